// One detected event, as the forwarder tests use it.
import type { DetectedEvent } from '../../../../schemas/record-types.ts';

export const slowEvent: DetectedEvent = {
  event_id: '0f6c3c1e-9a51-4d0e-8c5e-3a4b5c6d7e8f',
  action: 'open',
  kind: 'performance',
  severity: 'major',
  transaction_id: 'tx-checkout',
  transaction_name: 'Checkout',
  service: 'webshop',
  environment: 'Production',
  location: 'DE/Bavaria/Munich',
  occurred_at: new Date('2026-11-23T10:04:00Z'),
  result_id: 'run-4',
  value: '2400 ms',
  text: 'Checkout at DE/Bavaria/Munich took longer than its p90 baseline',
  baseline: { state: 'ready', p10_ms: 800, p50_ms: 1000, p90_ms: 1500, samples: 400 },
  suppressed: false,
  maintenance_window_id: null,
  robot_id: null,
  locations: ['DE/Bavaria/Munich'],
  locations_total: 1,
};
