// Every free-text filter of the console is bounded (256 characters, as the events' and the
// catalogue's): the report filters (SLA, heatmap, runs, transaction detail) and the status filters.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runsEndpoint } from '../../../console/api/runs.ts';
import { slaEndpoint } from '../../../console/api/sla.ts';
import { getStatus } from '../../../console/api/status.ts';

const limits = { maxPeriodDays: 92 };
const long = 'x'.repeat(257);
const bounded = 'x'.repeat(256);

test('a filter of more than 256 characters is refused, naming it; 256 are taken', () => {
  const schemas = { sla: slaEndpoint(limits).query, runs: runsEndpoint.query, status: getStatus.query };
  const names = {
    sla: ['project', 'service', 'location', 'environment'],
    runs: ['project', 'service', 'location', 'environment'],
    status: ['project', 'service'],
  };
  for (const [endpoint, schema] of Object.entries(schemas)) {
    for (const name of names[endpoint as keyof typeof names]) {
      const refused = schema.safeParse({ [name]: long });
      assert.equal(refused.success, false, `${endpoint} ${name}`);
      assert.deepEqual(
        refused.error?.issues.map((issue) => issue.path.join('.')),
        [name],
        `${endpoint} ${name}`,
      );
      assert.equal(schema.safeParse({ [name]: bounded }).success, true, `${endpoint} ${name}: 256 taken`);
    }
  }
});
