// What a failed chaos run prints about what went missing: each result named with when it was
// accepted and the fault around that moment, at most five per store.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { missingLines } from '../../../scripts/chaos/command.ts';
import type { FaultWindow } from '../../../scripts/chaos/faults.ts';
import type { AcceptedResult } from '../../../scripts/chaos/load.ts';
import type { StoreCount } from '../../../scripts/chaos/verify.ts';

const began = 1_000_000;
const result = (n: number, atSeconds: number): AcceptedResult => ({
  resultId: `r${n}`,
  robotId: 'robot-a',
  transactionId: 't',
  acceptedAt: began + atSeconds * 1000,
});
const window: FaultWindow = {
  fault: { service: 'kafka', action: 'kill', downMs: 1, label: 'SIGKILL kafka', no503: true },
  from: began + 10_000,
  to: began + 40_000,
};
const count = (store: string, missingResults?: string[]): StoreCount => ({
  store,
  what: 'w',
  accepted: 10,
  stored: 10 - (missingResults?.length ?? 0),
  missing: missingResults?.length ?? 0,
  duplicated: 0,
  ...(missingResults === undefined ? {} : { missingResults }),
});

test('each missing result is named with its acceptance time and the fault around it', () => {
  const results = [result(1, 12.5), result(2, 50)];
  assert.deepEqual(
    missingLines([count('postgres', ['r1', 'r2']), count('minio')], results, [window], began),
    [
      'missing from postgres: result r1 of robot robot-a, accepted at 12.5 s (during SIGKILL kafka)',
      'missing from postgres: result r2 of robot robot-a, accepted at 50.0 s (between faults)',
    ],
  );
});

test('at most five per store', () => {
  const results = Array.from({ length: 8 }, (_, i) => result(i, 1));
  const lines = missingLines(
    [
      count(
        'minio',
        results.map((r) => r.resultId),
      ),
    ],
    results,
    [],
    began,
  );
  assert.equal(lines.length, 5);
});
