// A maintenance window managed through the API: the create's body is judged by the setting's rules
// (each problem at its field), its record goes through Avro and back to the same window the
// setting would make, and a record that breaks a rule (or is not under its id) is refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { maintenanceWindowRecordSchema } from '../../../schemas/index.ts';
import { maintenanceWindowAt, maintenanceWindowsSchema } from '../../../schemas/maintenance-window.ts';
import {
  type MaintenanceWindowRecord,
  maintenanceWindowOfRecord,
  maintenanceWindowRequestSchema,
  toMaintenanceWindowRecord,
} from '../../../schemas/maintenance-window-record.ts';

const transactionId = '2f0c9a8e-3b7d-4c15-a6e2-00000000000a';
const origin = {
  id: '7d1f1d2e-9c55-4b1a-8e7e-3a1c0f00b001',
  createdByKeyId: '0123456789abcdef',
  createdAt: new Date('2026-11-20T08:00:00Z'),
};

/** Every problem of a body as `path: message`. */
function problems(body: unknown): string[] {
  const parsed = maintenanceWindowRequestSchema.safeParse(body);
  return parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

/** Through Avro and back, as a detector reads it off the topic. */
function viaAvro(record: MaintenanceWindowRecord): MaintenanceWindowRecord {
  const { avroType } = maintenanceWindowRecordSchema;
  return avroType.fromBuffer(avroType.toBuffer(record)) as MaintenanceWindowRecord;
}

test('a one-off window of a transaction: through Avro it is the window the setting would make', () => {
  const request = maintenanceWindowRequestSchema.parse({
    transaction_id: transactionId.toUpperCase(),
    once: { from: '2026-12-01T23:00:00+01:00', to: '2026-12-01T23:30:00Z' },
    description: 'database upgrade',
  });
  const record = toMaintenanceWindowRecord(request, origin);
  assert.deepEqual(record, {
    id: origin.id,
    transaction_id: transactionId,
    service: null,
    once: { from: Date.parse('2026-12-01T22:00:00Z'), to: Date.parse('2026-12-01T23:30:00Z') },
    weekly: null,
    description: 'database upgrade',
    created_by_key_id: origin.createdByKeyId,
    created_at: origin.createdAt.getTime(),
  });
  const window = maintenanceWindowOfRecord(viaAvro(record), origin.id);
  const [fromSetting] = maintenanceWindowsSchema.parse([
    {
      id: origin.id,
      transaction_id: transactionId,
      once: { from: '2026-12-01T22:00:00Z', to: '2026-12-01T23:30:00Z' },
    },
  ]);
  assert.deepEqual(window, fromSetting);
  const target = { transaction_id: transactionId, service: 'webshop' };
  assert.equal(maintenanceWindowAt([window], target, new Date('2026-12-01T22:00:00Z'))?.id, origin.id);
  assert.equal(maintenanceWindowAt([window], target, new Date('2026-12-01T23:30:00Z')), undefined);
  assert.equal(
    maintenanceWindowAt([window], { ...target, transaction_id: origin.id }, new Date('2026-12-01T22:10:00Z')),
    undefined,
    'another transaction is not covered',
  );
});

test('a weekly window of a service, its zone defaulting to UTC; nulls are absent fields', () => {
  const request = maintenanceWindowRequestSchema.parse({
    id: null,
    transaction_id: null,
    service: 'webshop',
    once: null,
    weekly: { days: ['sat', 'sun'], start: '23:30', end: '00:30' },
    description: null,
  });
  const record = toMaintenanceWindowRecord(request, origin);
  assert.deepEqual(record.weekly, { days: ['sat', 'sun'], start: '23:30', end: '00:30', time_zone: 'UTC' });
  const window = maintenanceWindowOfRecord(viaAvro(record));
  assert.deepEqual(window.schedule, {
    kind: 'weekly',
    days: ['sat', 'sun'],
    start: '23:30',
    end: '00:30',
    time_zone: 'UTC',
  });
  const target = { transaction_id: transactionId, service: 'webshop' };
  // Past midnight: Sunday 00:10 UTC belongs to Saturday's window.
  assert.equal(maintenanceWindowAt([window], target, new Date('2026-11-29T00:10:00Z'))?.id, origin.id);
  assert.equal(
    maintenanceWindowAt([window], { ...target, service: 'intranet' }, new Date('2026-11-29T00:10:00Z')),
    undefined,
  );
});

test('neither transaction nor service: everything', () => {
  const window = maintenanceWindowOfRecord(
    toMaintenanceWindowRecord(
      maintenanceWindowRequestSchema.parse({
        once: { from: '2026-12-01T22:00:00Z', to: '2026-12-02T00:00:00Z' },
      }),
      origin,
    ),
  );
  assert.equal(
    maintenanceWindowAt(
      [window],
      { transaction_id: transactionId, service: 'any' },
      new Date('2026-12-01T23:00:00Z'),
    )?.id,
    origin.id,
  );
});

test('the setting’s rules, each problem at its field', () => {
  assert.deepEqual(problems({ once: { from: '2026-12-01T22:00:00', to: '2026-12-01T21:00:00Z' } }), [
    'once.from: expected an RFC 3339 time with a zone, e.g. 2026-05-01T22:00:00Z',
  ]);
  assert.deepEqual(problems({ once: { from: '2026-12-01T22:00:00Z', to: '2026-12-01T21:00:00Z' } }), [
    'once.to: must be after from',
  ]);
  assert.deepEqual(
    problems({
      weekly: { days: ['mon', 'someday'], start: '24:00', end: '7:30', time_zone: 'Mars/Olympus' },
    }),
    [
      'weekly.days.1: Invalid option: expected one of "sun"|"mon"|"tue"|"wed"|"thu"|"fri"|"sat"',
      'weekly.start: expected a time as HH:MM, 00:00 to 23:59',
      'weekly.end: expected a time as HH:MM, 00:00 to 23:59',
      'weekly.time_zone: unknown IANA time zone "Mars/Olympus"',
    ],
  );
  assert.deepEqual(problems({ weekly: { days: [], start: '01:00', end: '02:00' } }), [
    'weekly.days: Too small: expected array to have >=1 items',
  ]);
  const both = {
    once: { from: '2026-12-01T22:00:00Z', to: '2026-12-01T23:00:00Z' },
    weekly: { days: ['mon'], start: '01:00', end: '02:00' },
  };
  assert.deepEqual(problems(both), [': needs exactly one of once or weekly']);
  assert.deepEqual(problems({}), [': needs exactly one of once or weekly']);
});

test('API-only rules: ids are UUIDs, texts bounded and storable, no unknown field', () => {
  const once = { from: '2026-12-01T22:00:00Z', to: '2026-12-01T23:00:00Z' };
  const paths = (body: unknown) => problems(body).map((problem) => problem.split(':')[0]);
  assert.deepEqual(paths({ once, id: 'release' }), ['id']);
  assert.deepEqual(paths({ once, transaction_id: 'checkout' }), ['transaction_id']);
  assert.deepEqual(paths({ once, service: '' }), ['service']);
  assert.deepEqual(paths({ once, service: 's'.repeat(129) }), ['service']);
  assert.deepEqual(paths({ once, description: 'd'.repeat(1025) }), ['description']);
  assert.deepEqual(paths({ once, description: 'nul \u0000 inside' }), ['description']);
  assert.deepEqual(paths({ once, description: 'lone \ud800 surrogate' }), ['description']);
  assert.deepEqual(paths({ once, suppress: true }), ['']);
  assert.match(problems({ once, suppress: true })[0] ?? '', /suppress/);
});

test('a record that breaks a rule, or is not under its id, is refused naming why', () => {
  const record = toMaintenanceWindowRecord(
    maintenanceWindowRequestSchema.parse({ weekly: { days: ['mon'], start: '01:00', end: '02:00' } }),
    origin,
  );
  const { weekly } = record;
  assert.ok(weekly !== null);
  assert.throws(
    () => maintenanceWindowOfRecord({ ...record, weekly: { ...weekly, time_zone: 'Nowhere/Else' } }),
    /maintenance window .*: weekly\.time_zone: unknown IANA time zone "Nowhere\/Else"/,
  );
  assert.throws(
    () => maintenanceWindowOfRecord({ ...record, once: { from: 2, to: 1 } }),
    /needs exactly one of once or weekly/,
  );
  assert.throws(
    () => maintenanceWindowOfRecord({ ...record, weekly: null }),
    /needs exactly one of once or weekly/,
  );
  assert.throws(() => maintenanceWindowOfRecord(record, 'another-key'), /under the key "another-key"/);
  assert.equal(maintenanceWindowOfRecord(record, origin.id).id, origin.id);
});
