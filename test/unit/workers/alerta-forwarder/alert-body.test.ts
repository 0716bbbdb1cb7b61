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
    resource: 'tx-checkout@DE/Bavaria/Munich',
    event: 'TransactionSlow',
    environment: 'Production',
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
      resultId: 'run-4',
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
  assert.equal(deduplicationKeyOf(open), 'Production/tx-checkout@DE/Bavaria/Munich/TransactionSlow');
});

test('the transaction overall, another kind and a renamed transaction keep stable, distinct keys', () => {
  const overall = alertOf({ ...slowEvent, location: null }, options);
  assert.equal(overall.resource, 'tx-checkout');
  assert.equal(overall.attributes.location, 'all');
  const outage = alertOf({ ...slowEvent, kind: 'availability', severity: 'critical' }, options);
  assert.equal(outage.event, 'TransactionUnavailable');
  assert.notEqual(deduplicationKeyOf(outage), deduplicationKeyOf(alertOf(slowEvent, options)));
  const renamed = alertOf({ ...slowEvent, transaction_name: 'Checkout v2' }, options);
  assert.equal(deduplicationKeyOf(renamed), deduplicationKeyOf(alertOf(slowEvent, options)));
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
