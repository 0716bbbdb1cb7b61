// Whether a robot stopped reporting, as the robots page and the overview judge it: nothing from it
// for three of its usual gaps between runs (the period over its runs in the period), and at least
// 15 min; a robot with no run in the period, once 15 min have passed since it was last seen.
import type { SlaAnswer } from '../../api/sla.ts';
import type { ViewPeriod } from '../period.ts';

const minimumSilenceMs = 15 * 60_000;
const gapsOfSilence = 3;

export interface RobotsAnswer {
  robots: Array<{
    robot_id: string;
    name: string | null;
    first_seen_at: string;
    last_seen_at: string;
    last_run: {
      result_id: string;
      transaction_id: string;
      transaction_name: string;
      status: string;
      started_at: string;
      location: string | null;
    } | null;
  }>;
}

export type RobotRow = SlaAnswer['rows'][number];

export function robotStates(robots: RobotsAnswer, sla: SlaAnswer, period: ViewPeriod, now = Date.now()) {
  const slaOf = new Map(sla.rows.map((row) => [row.robot_id, row]));
  const periodMs = period.to.getTime() - period.from.getTime();
  return robots.robots.map((robot) => {
    const figures = slaOf.get(robot.robot_id);
    const runs = figures?.runs ?? 0;
    const allowedMs = Math.max(minimumSilenceMs, runs > 0 ? (gapsOfSilence * periodMs) / runs : 0);
    const silent = now - Date.parse(robot.last_seen_at) > allowedMs;
    return { robot, figures, silent, state: silent ? 'SILENT' : (robot.last_run?.status ?? '–') };
  });
}

/** The robots and their figures a page needs to judge them (two read-API questions). */
export function askRobots(
  api: <T>(operationId: string, query?: Record<string, unknown>) => Promise<T>,
  period: ViewPeriod,
): Promise<[RobotsAnswer, SlaAnswer]> {
  return Promise.all([
    api<RobotsAnswer>('listRobots'),
    api<SlaAnswer>('getSla', {
      level: 'robot',
      from: period.from,
      to: period.to,
      tz: period.tz,
      limit: 20_000,
    }),
  ]);
}
