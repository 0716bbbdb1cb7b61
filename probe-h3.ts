import pg from 'pg';
import { durationHeatmap } from './console/queries/heatmap.ts';

const pool = new pg.Pool({ connectionString: process.argv[2], max: 1 });
pool.on('connect', (c) => {
  c.on('notice', (n) => console.log(n.message));
});
const c = await pool.connect();
await c.query(
  "LOAD 'auto_explain'; SET auto_explain.log_min_duration = 50; SET auto_explain.log_analyze = on; SET auto_explain.log_level = notice;",
);
c.release();
const { rows } = await pool.query('SELECT transaction_id, service, project FROM synth_transactions LIMIT 1');
const t = rows[0];
const to = new Date(Date.now() - 2 * 3600_000 - 17 * 60_000);
const from = new Date(to.getTime() - 30 * 86400_000);
await durationHeatmap(pool, { filters: { project: t.project }, period: { from, to }, tz: 'UTC' });
await pool.end();
