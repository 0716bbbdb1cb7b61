// `/robots`: every robot with where it runs now, when it was last seen, its SLA over the period and
// its state — a robot that stopped reporting first, then the worst. A robot is silent when nothing
// came from it for three of its usual gaps (the period over its runs in it), and at least 15 min.
import type { SlaAnswer } from '../../api/sla.ts';
import type { WebPage } from '../router.ts';

export const robotsPerPage = 100;
const minimumSilenceMs = 15 * 60_000;
const gapsOfSilence = 3;

interface RobotsAnswer {
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

export const robotsPage: WebPage = {
  name: 'robots',
  path: '/robots',
  async handle({ api, period, request, href }) {
    const [robots, sla] = await Promise.all([
      api<RobotsAnswer>('listRobots'),
      api<SlaAnswer>('getSla', {
        level: 'robot',
        from: period.from,
        to: period.to,
        tz: period.tz,
        limit: 20_000,
      }),
    ]);
    const slaOf = new Map(sla.rows.map((row) => [row.robot_id, row]));
    const periodMs = period.to.getTime() - period.from.getTime();
    const now = Date.now();
    const rows = robots.robots.map((robot) => {
      const figures = slaOf.get(robot.robot_id);
      const runs = figures?.runs ?? 0;
      const allowedMs = Math.max(minimumSilenceMs, runs > 0 ? (gapsOfSilence * periodMs) / runs : 0);
      const silentMs = now - Date.parse(robot.last_seen_at);
      const silent = runs === 0 ? silentMs > minimumSilenceMs : silentMs > allowedMs;
      return { robot, figures, silent, state: silent ? 'SILENT' : (robot.last_run?.status ?? '–') };
    });
    const rank = (row: (typeof rows)[number]) => (row.silent ? 0 : 1);
    rows.sort(
      (a, b) =>
        rank(a) - rank(b) ||
        (a.figures?.sla_percent ?? 101) - (b.figures?.sla_percent ?? 101) ||
        (a.robot.name ?? a.robot.robot_id).localeCompare(b.robot.name ?? b.robot.robot_id),
    );
    const offsetAsked = Number((request.query as Record<string, unknown>).offset);
    const offset =
      Number.isInteger(offsetAsked) && offsetAsked > 0 && offsetAsked < rows.length
        ? offsetAsked - (offsetAsked % robotsPerPage)
        : 0;
    return {
      template: 'robots',
      title: 'Robots',
      data: {
        rows: rows.slice(offset, offset + robotsPerPage),
        total: rows.length,
        silent: rows.filter((row) => row.silent).length,
        offset,
        previousUrl:
          offset === 0 ? undefined : href('/robots', { offset: offset - robotsPerPage || undefined }),
        nextUrl:
          offset + robotsPerPage < rows.length
            ? href('/robots', { offset: offset + robotsPerPage })
            : undefined,
      },
    };
  },
};
