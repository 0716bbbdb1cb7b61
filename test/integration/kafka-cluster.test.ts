// A replicated Kafka, for real: the stack's own 3-node KRaft cluster (infra/stack/services/kafka.ts,
// what `primoart up --kafka-brokers 3` starts) in a state directory of the test's own on free
// ports, started and stopped by the stack's runner. The topic catalog applied to it replicates every
// topic 3 times with min.insync.replicas 2. Then, under a steady load from the project's producer
// (idempotent, acks=all: what the gateway publishes with), the broker leading the most partitions is
// SIGKILLed: not one send fails (a failed send is the gateway's 503), leadership moves to the
// others, status shows the broker down and its partitions under-replicated; it comes back and
// catches up to no under-replicated partition; and every record sent is in the topic exactly once.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createLogger } from '../../core/logging.ts';
import { formatClusterStatus, parseClusterStatus } from '../../infra/stack/cluster-status.ts';
import { createStackContext } from '../../infra/stack/context.ts';
import { kafkaAdminIdentity } from '../../infra/stack/kafka-identities.ts';
import type { StackLayout } from '../../infra/stack/layout.ts';
import { readPidFile } from '../../infra/stack/pid-file.ts';
import { defaultPorts } from '../../infra/stack/ports.ts';
import { startServices, stopServices } from '../../infra/stack/runner.ts';
import { startOrder, stopOrder } from '../../infra/stack/service-order.ts';
import {
  describeKafkaCluster,
  kafkaBrokerList,
  kafkaCredentials,
  kafkaNodes,
} from '../../infra/stack/services/kafka.ts';
import { currentPathInputs, resolveStackPaths, stateLayout } from '../../infra/stack/stack-paths.ts';
import { applyCatalog } from '../../topics/admin.ts';
import { catalog, topics } from '../../topics/catalog.ts';
import { connectKafka } from '../../topics/kafkajs-adapter.ts';
import type { Admin } from '../../topics/port.ts';
import { portFree, waitFor } from './stack.ts';

const layout: StackLayout = { kafkaBrokers: 3, scale: {} };
const topic = topics.synthResults.name;

/**
 * A base port whose node ports (+0..2, +10..12, +20..22) are all free on loopback, below the
 * kernel's ephemeral range (32768–60999 here): a port in it may be taken by any test's outgoing
 * connection between this check and the broker's bind (seen once in a full run).
 */
async function freeBase(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + 100 * Math.floor(Math.random() * 70);
    const ports = [0, 1, 2, 10, 11, 12, 20, 21, 22].map((offset) => base + offset);
    if ((await Promise.all(ports.map(portFree))).every(Boolean)) return base;
  }
  throw new Error('no free block of ports for a private Kafka cluster');
}

const base = await freeBase();
const stateDir = mkdtempSync(join(tmpdir(), 'primoart-kafka-cluster-'));
const { repoDir, cacheDir } = resolveStackPaths(currentPathInputs(undefined));
const ctx = createStackContext({
  paths: { repoDir, cacheDir, stateDir },
  ports: { ...defaultPorts, kafka: base, kafkaController: base + 1, kafkaInternal: base + 2 },
  layout,
  createSecrets: true,
  progress: (message) => process.stderr.write(`# ${message}\n`),
});
const nodes = kafkaNodes(layout);
after(async () => {
  await stopServices({ ...ctx, progress: () => undefined }, stopOrder(nodes));
  rmSync(stateDir, { recursive: true, force: true });
});

const logger = createLogger({ component: 'kafka-cluster-test', level: 'warn' });
const connection = connectKafka(
  {
    brokers: kafkaBrokerList(ctx),
    clientId: 'kafka-cluster-test',
    // What every process gets from the config's defaults (core/config).
    connectTimeoutMs: 3_000,
    requestTimeoutMs: 30_000,
    sasl: kafkaCredentials(ctx, kafkaAdminIdentity),
  },
  logger,
);

async function clusterView() {
  return parseClusterStatus(await describeKafkaCluster(ctx));
}

async function leadersOf(admin: Admin): Promise<number[]> {
  const [placed] = await admin.partitionReplicas([topic]);
  return (placed?.partitions ?? []).map((p) => p.leader);
}

test('a 3-node cluster replicates the catalog and rides out a broker killed under load, nothing lost or doubled', async () => {
  await startServices(ctx, startOrder(nodes));
  const admin = await connection.admin();
  try {
    // The catalog, as `primoart topics apply` applies it: replication from the cluster's size.
    const changes = await applyCatalog(admin, catalog);
    assert.ok(
      changes.every(
        (change) => change.action === 'created' && change.detail.endsWith('replication factor 3'),
      ),
      JSON.stringify(changes),
    );
    for (const placed of await admin.partitionReplicas(catalog.map((spec) => spec.name))) {
      for (const p of placed.partitions) assert.equal(p.replicas.length, 3, `${placed.topic}/${p.partition}`);
    }
    assert.equal(
      (await admin.describeTopicConfig(topic, ['min.insync.replicas']))['min.insync.replicas'],
      '2',
    );
    const again = await applyCatalog(admin, catalog);
    assert.ok(
      again.every((change) => change.action === 'unchanged'),
      `a second apply changes nothing: ${JSON.stringify(again.filter((c) => c.action !== 'unchanged'))}`,
    );
    const healthy = await clusterView();
    assert.deepEqual(healthy.brokers.map((b) => b.id).sort(), [1, 2, 3]);
    assert.equal(healthy.voters.length, 3);
    assert.ok([1, 2, 3].includes(healthy.quorum?.leader ?? -1));
    process.stderr.write(formatClusterStatus(healthy, [1, 2, 3]));

    // A steady load: one record every 20 ms, each send awaited (as the gateway awaits each upload).
    const producer = await connection.producer();
    const failures: string[] = [];
    let sent = 0;
    let longestMs = 0;
    let stopLoad = false;
    const load = (async () => {
      while (!stopLoad) {
        const began = Date.now();
        const sequence = sent++;
        try {
          await producer.send([
            { topic, messages: [{ key: `robot-${sequence % 97}`, value: Buffer.from(String(sequence)) }] },
          ]);
        } catch (error) {
          failures.push(`${sequence}: ${(error as Error).message}`);
        }
        longestMs = Math.max(longestMs, Date.now() - began);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 3_000));

    // The broker leading the most partitions of the results topic dies.
    const leaders = await leadersOf(admin);
    const victim = [1, 2, 3].sort(
      (a, b) => leaders.filter((l) => l === b).length - leaders.filter((l) => l === a).length,
    )[0] as number;
    const victimService = nodes.find((node) => node.name === (victim === 1 ? 'kafka' : `kafka-${victim}`));
    assert.ok(victimService);
    const pid = readPidFile(stateLayout.pidFile(ctx.paths, victimService.name))?.pid;
    assert.ok(pid !== undefined);
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL');
    const moved = await waitFor(
      `leadership of ${topic} moved off broker ${victim}`,
      async () => {
        const now = await leadersOf(admin);
        return now.every((leader) => leader >= 0 && leader !== victim) ? now : undefined;
      },
      60_000,
      200,
    );
    const failoverMs = Date.now() - killedAt;
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const degraded = await clusterView();
    process.stderr.write(formatClusterStatus(degraded, [1, 2, 3]));
    assert.ok(!degraded.brokers.some((b) => b.id === victim), 'the killed broker is no longer serving');
    assert.ok(
      degraded.partitions.some((p) => p.isr.length < p.replicas.length),
      'its partitions are under-replicated while it is down',
    );

    // It comes back (what `primoart up` does for a node that is not running) and catches up.
    const restartedAt = Date.now();
    await startServices(ctx, [victimService]);
    await waitFor(
      'no under-replicated partition after the broker returned',
      async () => {
        const view = await clusterView();
        return view.brokers.length === 3 && view.partitions.every((p) => p.isr.length === p.replicas.length);
      },
      120_000,
      1_000,
    );
    const caughtUpMs = Date.now() - restartedAt;
    stopLoad = true;
    await load;
    await producer.disconnect();
    process.stderr.write(
      `# broker ${victim} killed: leadership moved in ${failoverMs} ms (leaders now ${moved.join(',')}); ` +
        `${sent} sends, ${failures.length} failed, the longest took ${longestMs} ms; back and caught up in ${caughtUpMs} ms\n` +
        failures
          .slice(0, 5)
          .map((failure) => `#   failed: ${failure}\n`)
          .join(''),
    );
    assert.deepEqual(failures, [], 'no send failed while one broker of three was down');

    // Every record once: read the whole topic back.
    const offsets = await admin.topicOffsets(topic);
    const total = offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
    const seen = new Map<string, number>();
    const consumer = await connection.consumer({
      groupId: 'kafka-cluster-test',
      topics: [topic],
      fromBeginning: true,
    });
    let read = 0;
    await consumer.run(async (batch, control) => {
      for (const message of batch.messages) {
        const value = message.value?.toString() ?? '';
        seen.set(value, (seen.get(value) ?? 0) + 1);
        read++;
      }
      const last = batch.messages.at(-1);
      if (last !== undefined) await control.commit(String(Number(last.offset) + 1));
    });
    await waitFor(`all ${total} records read back`, async () => read >= total, 60_000);
    await consumer.stop();
    const doubled = [...seen].filter(([, count]) => count > 1).map(([value]) => value);
    const missing = Array.from({ length: sent }, (_, i) => String(i)).filter((value) => !seen.has(value));
    assert.equal(total, sent, 'the topic holds as many records as were sent');
    assert.deepEqual(missing, [], 'none missing');
    assert.deepEqual(doubled, [], 'none doubled');
  } finally {
    await admin.disconnect();
  }
});
