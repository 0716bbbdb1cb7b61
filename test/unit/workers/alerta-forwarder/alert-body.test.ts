// What an event becomes in Alerta, and which events are not sent.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  alertOf,
  deduplicationKeyOf,
  forwardingDecisionFor,
} from '../../../../workers/alerta-forwarder/alert-body.ts';
import { forwarderOptions } from '../../../../workers/alerta-forwarder/forwarder-options.ts';
import { slowEvent } from './event-fixtures.ts';

const options = forwarderOptions({ url: 'http://127.0.0.1:1/api', apiKey: 'k' });

test('an open event becomes an alert with every field Alerta keys, routes and shows', () => {
  assert.deepEqual(alertOf(slowEvent, options), {
    resource: 'Checkout #tx-check @ DE/Bavaria/Munich',
    event: 'TransactionSlow',
    // Alerta compares environments exactly: the robot's `Production` is sent in the allowed spelling.
    environment: 'production',
    severity: 'major',
    service: ['webshop'],
    group: 'Performance',
    value: '2400 ms',
    text: 'Checkout at DE/Bavaria/Munich took longer than its p90 baseline',
    tags: ['kind:performance'],
    attributes: {
      transactionId: 'tx-checkout',
      transactionName: 'Checkout',
      location: 'DE/Bavaria/Munich',
      failingLocations: 'DE/Bavaria/Munich',
      failingLocationCount: 1,
      locationCount: 1,
      robotEnvironment: 'Production',
      resultId: 'run-4',
      robotId: null,
      eventId: '0f6c3c1e-9a51-4d0e-8c5e-3a4b5c6d7e8f',
      baselineState: 'ready',
      baselineP10Ms: 800,
      baselineP50Ms: 1000,
      baselineP90Ms: 1500,
    },
    origin: 'primoart/event-detector',
    type: 'primoartEvent',
    createTime: '2026-11-23T10:04:00.000Z',
  });
});

test('the clear of a problem has the same de-duplication key and severity normal', () => {
  const open = alertOf(slowEvent, options);
  const clear = alertOf({ ...slowEvent, action: 'clear', severity: 'normal', result_id: 'run-12' }, options);
  assert.equal(clear.severity, 'normal');
  assert.equal(deduplicationKeyOf(clear), deduplicationKeyOf(open));
  assert.equal(deduplicationKeyOf(open), 'production/Checkout #tx-check @ DE/Bavaria/Munich/TransactionSlow');
});

test('a transaction’s problem is keyed by its name and id; another kind, another id or name is another alert', () => {
  const transaction = {
    ...slowEvent,
    transaction_id: '2f0c9a8e-3b7d-4c15-a6e2-000000000001',
    location: null,
    locations: ['DE/Bavaria/Munich', 'JP/Tokyo/Tokyo'],
    locations_total: 3,
  };
  const alert = alertOf(transaction, options);
  assert.equal(alert.resource, 'Checkout #2f0c9a8e');
  assert.deepEqual(
    [
      alert.attributes.location,
      alert.attributes.failingLocations,
      alert.attributes.failingLocationCount,
      alert.attributes.locationCount,
    ],
    ['all', 'DE/Bavaria/Munich, JP/Tokyo/Tokyo', 2, 3],
  );
  const outage = alertOf({ ...transaction, kind: 'availability', severity: 'critical' }, options);
  assert.equal(outage.event, 'TransactionUnavailable');
  assert.notEqual(deduplicationKeyOf(outage), deduplicationKeyOf(alert));
  const namesake = alertOf(
    { ...transaction, transaction_id: '5a1b9c8e-3b7d-4c15-a6e2-000000000001' },
    options,
  );
  assert.notEqual(deduplicationKeyOf(namesake), deduplicationKeyOf(alert), 'two transactions of one name');
  // A rename is another resource: the detector moves the alert (a clear under the old name first).
  assert.equal(
    alertOf({ ...transaction, transaction_name: 'Checkout v2' }, options).resource,
    'Checkout v2 #2f0c9a8e',
  );
  // However long the name, the id part survives.
  assert.match(
    alertOf({ ...transaction, transaction_name: 'x'.repeat(5000) }, options).resource,
    / #2f0c9a8e$/,
  );
});

test('the environment can be overridden, and an empty service falls back so the list is never empty', () => {
  const alert = alertOf(
    { ...slowEvent, service: '', baseline: null },
    { ...options, environment: 'Development', fallbackService: 'Synthetic' },
  );
  assert.equal(alert.environment, 'Development');
  assert.deepEqual(alert.service, ['Synthetic']);
  assert.equal(alert.attributes.baselineP90Ms, null);
});

test('recent events are sent; suppressed events and events older than the configured age are not', () => {
  const now = new Date('2026-11-23T10:10:00Z');
  assert.equal(forwardingDecisionFor(slowEvent, now, options), 'send');
  assert.equal(forwardingDecisionFor({ ...slowEvent, suppressed: true }, now, options), 'suppressed');
  assert.equal(forwardingDecisionFor(slowEvent, new Date('2026-11-23T10:19:00Z'), options), 'send');
  assert.equal(forwardingDecisionFor(slowEvent, new Date('2026-11-23T10:19:00.001Z'), options), 'too_old');
  assert.equal(forwardingDecisionFor(slowEvent, now, { maxEventAgeMs: 60_000 }), 'too_old');
});

test('every environment a robot sends becomes one Alerta accepts; the original stays an attribute', () => {
  const environmentOf = (environment: string) => alertOf({ ...slowEvent, environment }, options);
  assert.equal(environmentOf('staging').environment, 'staging');
  assert.equal(environmentOf(' STAGING\r\n').environment, 'staging');
  assert.equal(environmentOf('qa').environment, 'test', 'a known alias');
  assert.equal(environmentOf('QA').environment, 'test');
  assert.equal(environmentOf('prod').environment, 'production');
  const unknown = environmentOf('eu-canary-7');
  assert.equal(unknown.environment, 'production', "Alerta's default environment: shown, never lost");
  assert.equal(unknown.attributes.robotEnvironment, 'eu-canary-7');
  const mapped = alertOf(
    { ...slowEvent, environment: 'eu-canary-7' },
    { ...options, environmentMap: { ...options.environmentMap, 'EU-Canary-7': 'staging' } },
  );
  assert.equal(mapped.environment, 'staging', 'the map is compared case-insensitively');
  assert.equal(
    alertOf({ ...slowEvent, environment: 'qa' }, { ...options, environment: 'development' }).environment,
    'development',
    'the environment option still replaces every one',
  );
});

test('robot text reaches Alerta clean: key fields in one form, shown text HTML-escaped', () => {
  const hostile = alertOf(
    {
      ...slowEvent,
      transaction_name: '<script>alert(1)</script>\r\nCheckout',
      text: '<img src=x onerror=alert(1)> took\r\nlonger',
      value: '2400 ms<b>',
      service: ' web\u200Bshop\r\n<script> ',
      location: 'DE/Bavaria\r\n/<b>Munich</b>\u202E',
    },
    options,
  );
  assert.equal(hostile.resource, 'scriptalert(1)/script Checkout #tx-check @ DE/Bavaria /bMunich/b');
  assert.deepEqual(hostile.service, ['webshop script']);
  assert.equal(hostile.attributes.transactionName, '&lt;script&gt;alert(1)&lt;/script&gt;  Checkout');
  assert.equal(hostile.text, '&lt;img src=x onerror=alert(1)&gt; took  longer');
  assert.equal(hostile.value, '2400 ms&lt;b&gt;');
  for (const field of [
    hostile.resource,
    hostile.environment,
    hostile.event,
    hostile.group,
    ...hostile.service,
  ]) {
    assert.doesNotMatch(field, /[\p{Cc}\p{Cf}<>]/u, field);
  }
  // The same hostile event again gives the same key: Alerta counts it as a duplicate.
  const again = alertOf(
    {
      ...slowEvent,
      transaction_name: '<script>alert(1)</script>\r\nCheckout',
      location: 'DE/Bavaria\r\n/<b>Munich</b>\u202E',
    },
    options,
  );
  assert.equal(deduplicationKeyOf(again), deduplicationKeyOf(hostile));
  assert.equal(alertOf({ ...slowEvent, service: '\r\n\t' }, options).service[0], 'PrimoART');
});

test('with a console URL the alert links its problem’s console page; without one it has no link', () => {
  const event = { ...slowEvent, transaction_id: '3F2B8C1E-6A4D-4F0E-9B7C-1D2E3F4A5B6C' };
  const linked = { ...options, consoleUrl: 'https://ops.example/console' };
  assert.equal(
    alertOf(event, linked).attributes.consoleUrl,
    'https://ops.example/console/transactions/3f2b8c1e-6a4d-4f0e-9b7c-1d2e3f4a5b6c?location=DE%2FBavaria%2FMunich',
  );
  assert.equal(
    alertOf({ ...event, location: null }, { ...options, consoleUrl: 'http://127.0.0.1:18108/' }).attributes
      .consoleUrl,
    'http://127.0.0.1:18108/transactions/3f2b8c1e-6a4d-4f0e-9b7c-1d2e3f4a5b6c',
    'the problem over every location: the transaction’s page alone',
  );
  // A robot's location stays one query value: no other parameter, no fragment, no markup.
  const location = 'DE/x&format=csv#<script>alert(1)</script>';
  const hostile = String(alertOf({ ...event, location }, linked).attributes.consoleUrl);
  const url = new URL(hostile);
  assert.equal(url.pathname, '/console/transactions/3f2b8c1e-6a4d-4f0e-9b7c-1d2e3f4a5b6c');
  assert.deepEqual([...url.searchParams], [['location', location]]);
  assert.equal(url.hash, '');
  assert.doesNotMatch(hostile, /[<>"\s]/);
  // Only a UUID goes into the path: anything else gets no link.
  for (const transaction_id of ['tx-checkout', '../../admin', `${event.transaction_id}/../x`])
    assert.equal(
      'consoleUrl' in alertOf({ ...event, transaction_id }, linked).attributes,
      false,
      transaction_id,
    );
  // No setting, no attribute.
  assert.equal(options.consoleUrl, undefined);
  assert.equal('consoleUrl' in alertOf(event, options).attributes, false);
});

test('an open links the run that opened or changed it; a clear leaves that link as it was', () => {
  const event = {
    ...slowEvent,
    robot_id: 'C4A1E7B2-8F3D-4A69-B5C0-1E2D3F4A5B01',
    result_id: '5d8e2f4a-1b3c-4d5e-8f9a-0b1c2d3e4f5a',
  };
  const linked = { ...options, consoleUrl: 'https://ops.example/console' };
  assert.equal(
    alertOf(event, linked).attributes.runUrl,
    'https://ops.example/console/runs/c4a1e7b2-8f3d-4a69-b5c0-1e2d3f4a5b01/5d8e2f4a-1b3c-4d5e-8f9a-0b1c2d3e4f5a',
  );
  assert.equal(
    'runUrl' in alertOf({ ...event, action: 'clear', severity: 'normal' }, linked).attributes,
    false,
  );
  for (const robot_id of [null, 'robot-1', '../x'])
    assert.equal('runUrl' in alertOf({ ...event, robot_id }, linked).attributes, false, String(robot_id));
});
