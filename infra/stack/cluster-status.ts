// The parts of `primoart status` below the service table: the Kafka cluster (brokers, the
// controller quorum, leaders, under-replicated partitions) and every worker instance's partitions
// and lag, so an operator sees where leadership and work went after a broker or an instance died.
import { table } from '../../core/text-table.ts';

export interface KafkaClusterView {
  brokers: Array<{ id: number; listener: string }>;
  quorum: { leader: number; epoch: number; highWatermark: number } | undefined;
  voters: Array<{ id: number; logEndOffset: number; lastCaughtUpMs: number }>;
  partitions: Array<{ topic: string; partition: number; leader: number; replicas: number[]; isr: number[] }>;
}

const ids = (text: string | undefined): number[] =>
  text === undefined || text === '' ? [] : text.split(',').map(Number);

/** What infra/kafka/ClusterStatus.java printed. */
export function parseClusterStatus(text: string): KafkaClusterView {
  const view: KafkaClusterView = { brokers: [], quorum: undefined, voters: [], partitions: [] };
  for (const line of text.split('\n')) {
    const [kind, ...fields] = line.split('\t');
    if (kind === 'broker') view.brokers.push({ id: Number(fields[0]), listener: fields[1] ?? '' });
    else if (kind === 'quorum')
      view.quorum = { leader: Number(fields[0]), epoch: Number(fields[1]), highWatermark: Number(fields[2]) };
    else if (kind === 'voter')
      view.voters.push({
        id: Number(fields[0]),
        logEndOffset: Number(fields[1]),
        lastCaughtUpMs: Number(fields[2]),
      });
    else if (kind === 'partition')
      view.partitions.push({
        topic: fields[0] ?? '',
        partition: Number(fields[1]),
        leader: Number(fields[2]),
        replicas: ids(fields[3]),
        isr: ids(fields[4]),
      });
  }
  return view;
}

/** The cluster's table and a summary line; `expected` is the layout's broker ids. */
export function formatClusterStatus(view: KafkaClusterView, expected: readonly number[]): string {
  const serving = new Map(view.brokers.map((broker) => [broker.id, broker.listener]));
  const leads = (id: number) => view.partitions.filter((p) => p.leader === id).length;
  const voter = (id: number): string => {
    const state = view.voters.find((v) => v.id === id);
    if (state === undefined) return '-';
    if (view.quorum?.leader === id) return `leader (epoch ${view.quorum.epoch})`;
    const behind = (view.quorum?.highWatermark ?? state.logEndOffset) - state.logEndOffset;
    return behind <= 0 ? 'follower, caught up' : `follower, ${behind} record(s) behind`;
  };
  const rows = [
    ['BROKER', 'STATE', 'LISTENER', 'LEADS', 'CONTROLLER QUORUM'],
    ...[...new Set([...expected, ...serving.keys()])]
      .sort((a, b) => a - b)
      .map((id) => [
        String(id),
        serving.has(id) ? 'serving' : 'down',
        serving.get(id) ?? '-',
        String(leads(id)),
        voter(id),
      ]),
  ];
  const underReplicated = view.partitions.filter((p) => p.isr.length < p.replicas.length);
  const offline = view.partitions.filter((p) => p.leader < 0);
  const factors = [...new Set(view.partitions.map((p) => p.replicas.length))].sort();
  const summary =
    `${view.partitions.length} partitions (replication factor ${factors.join('/') || '-'}), ` +
    `${underReplicated.length} under-replicated, ${offline.length} offline` +
    (underReplicated.length === 0
      ? ''
      : `: ${underReplicated
          .slice(0, 5)
          .map(
            (p) => `${p.topic}/${p.partition} in sync ${p.isr.join(',') || '-'} of ${p.replicas.join(',')}`,
          )
          .join('; ')}${underReplicated.length > 5 ? '; …' : ''}`);
  return `${table(rows)}${summary}\n`;
}

export interface InstanceView {
  /** The instance's service name (`synth-store-2`). */
  name: string;
  /** Undefined: not running or not answering. */
  partitions?: Array<{ topic: string; partition: number; lag: number | undefined }>;
}

/** A worker's assignment and lag per partition, from its `/metrics` text. */
export function parseWorkerMetrics(
  text: string,
): Array<{ topic: string; partition: number; lag: number | undefined }> {
  const assigned: Array<{ topic: string; partition: number }> = [];
  const lags = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^(primoart_worker_assigned|primoart_worker_lag)\{(.*)\} (\S+)$/.exec(line);
    if (match === null) continue;
    const labels = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    const key = `${labels.topic}/${labels.partition}`;
    if (match[1] === 'primoart_worker_lag') lags.set(key, Number(match[3]));
    else if (match[3] === '1')
      assigned.push({ topic: labels.topic ?? '', partition: Number(labels.partition) });
  }
  return assigned
    .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)
    .map((p) => ({ ...p, lag: lags.get(`${p.topic}/${p.partition}`) }));
}

/** One row per instance: its partitions per topic (`results 0,1,2`) and their summed lag. */
export function formatInstances(instances: readonly InstanceView[]): string {
  const short = (topic: string) => topic.replace(/^primoart\./, '').replace(/\.v[0-9]+$/, '');
  const rows = [
    ['INSTANCE', 'PARTITIONS', 'LAG'],
    ...instances.map((instance) => {
      if (instance.partitions === undefined) return [instance.name, '-', '-'];
      const byTopic = new Map<string, number[]>();
      for (const p of instance.partitions)
        byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition]);
      const partitions = [...byTopic].map(([topic, list]) => `${short(topic)} ${list.join(',')}`).join('; ');
      const lag = instance.partitions.reduce((sum, p) => sum + (p.lag ?? 0), 0);
      return [instance.name, partitions === '' ? 'none (idle)' : partitions, String(lag)];
    }),
  ];
  return table(rows);
}
