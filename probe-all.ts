import pg from 'pg';
import { durationHeatmap } from './console/queries/heatmap.ts';
import { reportPeriods } from './console/queries/period.ts';
import { slaReport } from './console/queries/sla.ts';
import { transactionDetail } from './console/queries/transaction-detail.ts';
import { migrate } from './workers/synth-store/migrate.ts';

const pool = new pg.Pool({ connectionString: process.argv[2] });
const t0m = performance.now();
console.log('migrated', await migrate(pool), Math.round(performance.now() - t0m), 'ms');
const { rows } = await pool.query('SELECT transaction_id, service, project FROM synth_transactions LIMIT 1');
const t = rows[0];
const to = new Date(Date.now() - 2 * 3600_000 - 17 * 60_000);
const from = new Date(to.getTime() - 30 * 86400_000);
const time = async (what: string, f: () => Promise<unknown>) => {
  const xs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const a = performance.now();
    await f();
    xs.push(Math.round(performance.now() - a));
  }
  console.log(what, xs.join(' '));
};
for (const filters of [
  { transaction: t.transaction_id },
  { service: t.service, project: t.project },
  { project: t.project },
])
  for (const tz of ['UTC', 'Asia/Kolkata'])
    await time(`heatmap ${Object.keys(filters).join('+')} ${tz}`, () =>
      durationHeatmap(pool, { filters, period: { from, to }, tz }),
    );
for (const tz of ['UTC', 'Asia/Kolkata'])
  await time(`detail 30d ${tz}`, () =>
    transactionDetail(pool, {
      transactionId: t.transaction_id,
      filters: {},
      period: { from, to },
      tz,
      interval: 'day',
    }),
  );
const periods = await reportPeriods(pool, { from, to, tz: 'UTC', now: new Date() });
for (const level of ['all', 'transaction', 'step'] as const)
  await time(`sla ${level}`, () => slaReport(pool, { level, filters: {}, periods }));
await pool.end();
