// Which services a command acts on, and in which order: dependencies first, otherwise the
// order of the service list.

interface Named {
  name: string;
  dependsOn?: string[];
}

/**
 * The services to start: all of them, or the `only` ones plus everything they depend on,
 * ordered so that each comes after its dependencies. Unknown names and cycles are errors.
 */
export function startOrder<S extends Named>(services: readonly S[], only?: readonly string[]): S[] {
  const byName = new Map(services.map((service) => [service.name, service]));
  const lookup = (name: string, wantedBy: string): S => {
    const service = byName.get(name);
    if (service === undefined) {
      throw new Error(`unknown service '${name}' (${wantedBy}); known: ${[...byName.keys()].join(', ')}`);
    }
    return service;
  };
  const ordered: S[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (service: S, path: string[]): void => {
    const seen = state.get(service.name);
    if (seen === 'done') return;
    if (seen === 'visiting')
      throw new Error(`services depend on each other in a cycle: ${[...path, service.name].join(' → ')}`);
    state.set(service.name, 'visiting');
    for (const dependency of service.dependsOn ?? []) {
      visit(lookup(dependency, `a dependency of ${service.name}`), [...path, service.name]);
    }
    state.set(service.name, 'done');
    ordered.push(service);
  };
  const roots = only === undefined ? services : only.map((name) => lookup(name, 'given with --only'));
  for (const service of roots) visit(service, []);
  if (only === undefined) return ordered;
  // Keep the list's order among the selected services, which is already dependency-safe.
  const selected = new Set(ordered.map((service) => service.name));
  return startOrder(services.filter((service) => selected.has(service.name)));
}

/** The services to stop: the given ones (or all), dependents before their dependencies. */
export function stopOrder<S extends Named>(services: readonly S[], only?: readonly string[]): S[] {
  const all = startOrder(services);
  if (only === undefined) return all.reverse();
  const known = new Set(all.map((service) => service.name));
  const unknown = only.filter((name) => !known.has(name));
  if (unknown.length > 0)
    throw new Error(`unknown service '${unknown.join("', '")}'; known: ${[...known].join(', ')}`);
  return all.filter((service) => only.includes(service.name)).reverse();
}
