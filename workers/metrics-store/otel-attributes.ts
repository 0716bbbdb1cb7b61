// OTLP attributes as Prometheus labels: values flattened to strings, keys sanitised, and the
// resource reduced to `job`/`instance` (the rest goes to `target_info`).
import type {
  AnyValueRecord,
  KeyValueRecord,
  ResourceRecord,
  ScopeRecord,
} from '../../schemas/record-types.ts';
import { labelName } from './prometheus-names.ts';

function plainValue(value: AnyValueRecord): unknown {
  if (value.string_value !== null) return value.string_value;
  if (value.bool_value !== null) return value.bool_value;
  if (value.int_value !== null) return value.int_value;
  if (value.double_value !== null) return value.double_value;
  if (value.bytes_value !== null) return value.bytes_value.toString('base64');
  if (value.array_value !== null) return value.array_value.map(plainValue);
  if (value.kvlist_value !== null) {
    return Object.fromEntries(value.kvlist_value.map((entry) => [entry.key, plainValue(entry.value)]));
  }
  return '';
}

/** JSON has no NaN or ±Infinity (it would write null): they are kept as their names. */
const nonFiniteAsText = (_key: string, value: unknown): unknown =>
  typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;

/** A string as is; numbers and booleans as written; arrays and maps as JSON; bytes as base64. */
export function labelValue(value: AnyValueRecord): string {
  const plain = plainValue(value);
  return typeof plain === 'string'
    ? plain
    : typeof plain === 'object'
      ? JSON.stringify(plain, nonFiniteAsText)
      : String(plain);
}

/**
 * The labels PrimoART derives itself for a point (from its resource, its scope and its kind of
 * sample). An attribute that would land on one of them is renamed `exported_<name>`, the way
 * Prometheus keeps a scraped label that collides with a target label: never dropped, never winning.
 */
export const derivedLabels = new Set([
  'job',
  'instance',
  'otel_scope_name',
  'otel_scope_version',
  'le',
  'quantile',
]);

/**
 * Whether an attribute key is renamed to keep it off a reserved or derived label (`__name__` →
 * `key__name__`, `job` → `exported_job`): counted, since it is most likely an attempt to forge one.
 */
export function isRenamedToProtect(key: string): boolean {
  const sanitised = key.replace(/[^a-zA-Z0-9_]/g, '_');
  return sanitised.startsWith('_') || derivedLabels.has(labelName(key));
}

/** The label an attribute key becomes: sanitised, and kept off the labels PrimoART derives. */
export function attributeLabelName(key: string): string {
  const name = labelName(key);
  return derivedLabels.has(name) ? `exported_${name}` : name;
}

/**
 * Attributes → labels. Keys that end up as the same label name have their values joined with
 * `;` in the order of their original keys, as the compatibility spec asks.
 */
export function attributeLabels(attributes: KeyValueRecord[]): Record<string, string> {
  const byLabel = new Map<string, Array<{ key: string; value: string }>>();
  for (const attribute of attributes) {
    const name = attributeLabelName(attribute.key);
    const entries = byLabel.get(name) ?? [];
    entries.push({ key: attribute.key, value: labelValue(attribute.value) });
    byLabel.set(name, entries);
  }
  const labels: Record<string, string> = {};
  for (const [name, entries] of byLabel) {
    labels[name] = entries
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map((entry) => entry.value)
      .join(';');
  }
  return labels;
}

/** The resource attributes that become `job` and `instance` (the others go to target_info). */
export const identifyingKeys = new Set(['service.name', 'service.namespace', 'service.instance.id']);

function resourceString(resource: ResourceRecord, key: string): string {
  const found = resource.attributes.find((attribute) => attribute.key === key);
  return found === undefined ? '' : labelValue(found.value);
}

const noJobs: ReadonlySet<string> = new Set();

/**
 * `job` = service.namespace/service.name (or service.name), `instance` = service.instance.id. A
 * service named like one of PrimoART's own processes (`ownJobs`: the jobs VictoriaMetrics scrapes,
 * e.g. `gateway`) gets `otel/` in front, so that its series never pass for that process' own
 * (`process_resident_memory_bytes{job="gateway"}`).
 */
export function resourceLabels(
  resource: ResourceRecord,
  ownJobs: ReadonlySet<string> = noJobs,
): { job: string; instance: string } {
  const name = resourceString(resource, 'service.name');
  const namespace = resourceString(resource, 'service.namespace');
  const job = namespace === '' ? name : `${namespace}/${name}`;
  return {
    job: ownJobs.has(job) ? `otel/${job}` : job,
    instance: resourceString(resource, 'service.instance.id'),
  };
}

/** The labels of `target_info`: job, instance and every other resource attribute. */
export function targetInfoLabels(
  resource: ResourceRecord,
  ownJobs: ReadonlySet<string> = noJobs,
): Record<string, string> {
  const others = resource.attributes.filter((attribute) => !identifyingKeys.has(attribute.key));
  return { ...attributeLabels(others), ...resourceLabels(resource, ownJobs) };
}

export function scopeLabels(scope: ScopeRecord): Record<string, string> {
  return { otel_scope_name: scope.name, otel_scope_version: scope.version };
}
