// The Alertmanager silence a replay sets: only the replayed worker's lag and dead-letter alerts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { replayAlerts, silenceBody } from '../../../scripts/replay/silence.ts';

test("a replay's silence matches only the worker's lag and dead-letter alerts, with who and why", () => {
  const now = new Date('2026-12-04T06:00:00Z');
  const body = silenceBody(
    'synth-store',
    'replay of primoart.synth-store from earliest',
    now,
    new Date('2026-12-04T08:10:00Z'),
  );
  assert.deepEqual(body, {
    matchers: [
      { name: 'alertname', value: 'ConsumerLagHigh|DeadLettersIncreasing', isRegex: true, isEqual: true },
      { name: 'worker', value: 'synth-store', isRegex: false, isEqual: true },
    ],
    startsAt: '2026-12-04T06:00:00.000Z',
    endsAt: '2026-12-04T08:10:00.000Z',
    createdBy: 'primoart replay',
    comment: 'replay of primoart.synth-store from earliest',
  });
  assert.equal(silenceBody('synth-store', 'c', now, now, 'abc').id, 'abc', 'an update names the silence');
});

test('the silenced alerts exist in the pipeline-health rules and are labelled by worker', () => {
  const rules = parse(
    readFileSync(
      join(import.meta.dirname, '..', '..', '..', 'infra', 'vmalert', 'pipeline-health.rules.yml'),
      'utf8',
    ),
  ) as { groups: Array<{ rules: Array<{ alert?: string; expr: string }> }> };
  for (const name of replayAlerts) {
    const rule = rules.groups.flatMap((group) => group.rules).find((candidate) => candidate.alert === name);
    assert.ok(rule, `${name} is a pipeline-health rule`);
    assert.match(rule.expr, /by \(worker\)/, `${name} keeps the worker label the silence matches`);
  }
});
