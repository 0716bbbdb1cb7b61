// `/robots`: every robot with where it runs now, when it was last seen, its SLA over the period and
// its state — a robot that stopped reporting (robot-state.ts) first, then the worst.
import type { WebPage } from '../router.ts';
import { pageOffset } from './query.ts';
import { askRobots, robotStates } from './robot-state.ts';

export const robotsPerPage = 100;

export const robotsPage: WebPage = {
  name: 'robots',
  path: '/robots',
  async handle({ api, period, request, href }) {
    const [robots, sla] = await askRobots(api, period);
    const rows = robotStates(robots, sla, period);
    const rank = (row: (typeof rows)[number]) => (row.silent ? 0 : 1);
    rows.sort(
      (a, b) =>
        rank(a) - rank(b) ||
        (a.figures?.sla_percent ?? 101) - (b.figures?.sla_percent ?? 101) ||
        (a.robot.name ?? a.robot.robot_id).localeCompare(b.robot.name ?? b.robot.robot_id),
    );
    const offset = pageOffset((request.query as Record<string, unknown>).offset, rows.length, robotsPerPage);
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
