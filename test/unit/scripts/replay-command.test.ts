// `primoart replay`'s choices before it touches Kafka: its options, which worker consumes on a
// group, and which workers may run a second copy on a new group (--to-group).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PrimoartConfig } from '../../../core/config-schema.ts';
import { parseReplayArgs, secondCopyRefusal, workerOfGroup } from '../../../scripts/replay/command.ts';

const section = (extra: Record<string, unknown> = {}) => ({
  listen: '127.0.0.1:1',
  batch: { max_records: 500, max_bytes: 1, max_wait_ms: 1 },
  retry: { initial_ms: 1, max_ms: 1 },
  ...extra,
});

test("a group is a worker's by its section's group_id, else primoart.<name>", () => {
  const config = {
    workers: {
      'synth-store': section(),
      'logs-store': section({ group_id: 'site-a.logs' }),
    },
  } as unknown as PrimoartConfig;
  assert.equal(workerOfGroup(config, 'primoart.synth-store'), 'synth-store');
  assert.equal(workerOfGroup(config, 'site-a.logs'), 'logs-store');
  assert.equal(workerOfGroup(config, 'primoart.logs-store'), undefined, 'its group is another now');
  assert.equal(
    workerOfGroup(config, 'primoart.baseline'),
    undefined,
    'no section: not a worker of this config',
  );
});

test('only a worker whose whole state is in its store and that publishes nothing may run a second copy', () => {
  for (const worker of ['synth-store', 'artifact-store', 'logs-store', 'metrics-store'])
    assert.equal(secondCopyRefusal(worker), undefined, worker);
  assert.match(
    secondCopyRefusal('baseline') ?? '',
    /baseline publishes to primoart.baselines.v1, primoart.forecasts.v1 .* and keeps its state in a local file/,
  );
  assert.match(secondCopyRefusal('event-detector') ?? '', /publishes to primoart.events.v1/);
  assert.match(secondCopyRefusal('alerta-forwarder') ?? '', /keeps its state in a local file/);
});

test('options: --group and --from are required, --force only with --to-group, --topic repeats', () => {
  const options = parseReplayArgs([
    '--group',
    'g',
    '--from',
    'earliest',
    '--topic',
    'a',
    '--topic=b',
    '--to-group',
    'g2',
    '--force',
    '--timeout',
    '30m',
    '--config.file',
    'x.yml',
  ]);
  assert.deepEqual(options, {
    group: 'g',
    from: { kind: 'earliest' },
    topics: ['a', 'b'],
    dryRun: false,
    toGroup: 'g2',
    force: true,
    timeoutMs: 1_800_000,
    configFile: 'x.yml',
  });
  assert.equal(parseReplayArgs(['--group', 'g', '--from', '5']).timeoutMs, 7_200_000, 'default 2 h');
  assert.throws(() => parseReplayArgs(['--group', 'g']), /replay needs --group G and --from/);
  assert.throws(
    () => parseReplayArgs(['--group', 'g', '--from', '5', '--force']),
    /--force goes with --to-group/,
  );
  assert.throws(() => parseReplayArgs(['--group', 'g', '--from', '5', '--bogus']), /bogus/);
});
