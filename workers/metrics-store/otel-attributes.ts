// OTLP attributes as Prometheus labels: values flattened to strings, keys sanitised, and the
// resource reduced to `job`/`instance` (the rest goes to `target_info`).
import type {
  AnyValueRecord,
  KeyValueRecord,
  ResourceRecord,
  ScopeRecord,
} from '../../ingest-gateway/otlp/otel-records.ts';
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

/** A string as is; numbers and booleans as written; arrays and maps as JSON; bytes as base64. */
export function labelValue(value: AnyValueRecord): string {
  const plain = plainValue(value);
  return typeof plain === 'string'
    ? plain
    : typeof plain === 'object'
      ? JSON.stringify(plain)
      : String(plain);
}

/**
 * Attributes → labels. Keys that sanitise to the same label name have their values joined with
 * `;` in the order of their original keys, as the compatibility spec asks.
 */
export function attributeLabels(attributes: KeyValueRecord[]): Record<string, string> {
  const byLabel = new Map<string, Array<{ key: string; value: string }>>();
  for (const attribute of attributes) {
    const name = labelName(attribute.key);
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

const identifyingKeys = new Set(['service.name', 'service.namespace', 'service.instance.id']);

function resourceString(resource: ResourceRecord, key: string): string {
  const found = resource.attributes.find((attribute) => attribute.key === key);
  return found === undefined ? '' : labelValue(found.value);
}

/** `job` = service.namespace/service.name (or service.name), `instance` = service.instance.id. */
export function resourceLabels(resource: ResourceRecord): { job: string; instance: string } {
  const name = resourceString(resource, 'service.name');
  const namespace = resourceString(resource, 'service.namespace');
  return {
    job: namespace === '' ? name : `${namespace}/${name}`,
    instance: resourceString(resource, 'service.instance.id'),
  };
}

/** The labels of `target_info`: job, instance and every other resource attribute. */
export function targetInfoLabels(resource: ResourceRecord): Record<string, string> {
  const others = resource.attributes.filter((attribute) => !identifyingKeys.has(attribute.key));
  return { ...attributeLabels(others), ...resourceLabels(resource) };
}

export function scopeLabels(scope: ScopeRecord): Record<string, string> {
  return { otel_scope_name: scope.name, otel_scope_version: scope.version };
}
