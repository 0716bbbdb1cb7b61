// OTLP records as the gateway publishes them, with only what a test cares about to fill in.
import type {
  KeyValueRecord,
  OtelMetricPointRecord,
  OtelSpanRecord,
  ResourceRecord,
} from '../../../../schemas/record-types.ts';

export function stringAttribute(key: string, value: string): KeyValueRecord {
  return {
    key,
    value: {
      string_value: value,
      bool_value: null,
      int_value: null,
      double_value: null,
      bytes_value: null,
      array_value: null,
      kvlist_value: null,
    },
  };
}

export function intAttribute(key: string, value: number): KeyValueRecord {
  const attribute = stringAttribute(key, '');
  attribute.value.string_value = null;
  attribute.value.int_value = value;
  return attribute;
}

export const checkoutResource: ResourceRecord = {
  attributes: [
    stringAttribute('service.name', 'checkout'),
    stringAttribute('service.namespace', 'shop'),
    stringAttribute('service.instance.id', 'pod-7'),
    stringAttribute('deployment.environment', 'prod'),
  ],
  dropped_attributes_count: 0,
  schema_url: '',
};

/** 2026-11-23T04:00:00.123456Z in microseconds. */
export const pointTimeMicros = Date.UTC(2026, 10, 23, 4, 0, 0, 123) * 1000 + 456;

export function metricPoint(overrides: Partial<OtelMetricPointRecord>): OtelMetricPointRecord {
  return {
    series_id: '0'.repeat(32),
    metric_name: 'http.server.request.duration',
    metric_description: '',
    metric_unit: '',
    metric_type: 'GAUGE',
    aggregation_temporality: null,
    is_monotonic: null,
    attributes: [],
    start_time_unix_micros: null,
    time_unix_micros: pointTimeMicros,
    flags: 0,
    value_double: null,
    value_int: null,
    count: null,
    sum: null,
    min: null,
    max: null,
    explicit_bounds: [],
    bucket_counts: [],
    exponential: null,
    quantile_values: [],
    service_name: 'checkout',
    resource: checkoutResource,
    scope: {
      name: 'shop-meter',
      version: '1.2.0',
      attributes: [],
      dropped_attributes_count: 0,
      schema_url: '',
    },
    received_at: Date.now(),
    ...overrides,
  };
}

export function span(overrides: Partial<OtelSpanRecord>): OtelSpanRecord {
  return {
    trace_id: '1'.repeat(32),
    span_id: '2'.repeat(16),
    parent_span_id: null,
    trace_state: '',
    flags: 1,
    name: 'GET /cart',
    kind: 'SERVER',
    start_time_unix_micros: pointTimeMicros - 250_000,
    end_time_unix_micros: pointTimeMicros,
    attributes: [],
    dropped_attributes_count: 0,
    events: [],
    dropped_events_count: 0,
    links: [],
    dropped_links_count: 0,
    status_code: 'UNSET',
    status_message: '',
    service_name: 'checkout',
    resource: checkoutResource,
    scope: { name: '', version: '', attributes: [], dropped_attributes_count: 0, schema_url: '' },
    received_at: Date.now(),
    ...overrides,
  };
}
