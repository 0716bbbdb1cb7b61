// `/`: how everything is doing over the period — SLA per project against its target and the period
// before, how many services and transactions are OK / WARNING / CRITICAL now, the worst
// transactions and the latest events.
import type { WebPage } from '../router.ts';
import { askRobots, robotStates } from './robot-state.ts';

interface StatusCounts {
  counts: { ok: number; warning: number; critical: number; total: number };
}

export const overviewPage: WebPage = {
  name: 'overview',
  path: '/',
  async handle({ api, period }) {
    const range = { from: period.from, to: period.to, tz: period.tz };
    const [projects, worst, services, transactions, locations, events, [robots, robotSla]] =
      await Promise.all([
        api('getSla', { level: 'project', ...range, sort: 'worst', limit: 200 }),
        api('getSla', { level: 'transaction', ...range, sort: 'worst', limit: 10 }),
        api<StatusCounts>('getStatus', { level: 'service' }),
        api<StatusCounts>('getStatus', { level: 'transaction' }),
        api<StatusCounts>('getStatus', { level: 'location' }),
        api('listEvents', { limit: 10 }),
        askRobots(api, period),
      ]);
    const judged = robotStates(robots, robotSla, period);
    const silent = judged.filter((robot) => robot.silent).length;
    return {
      template: 'overview',
      title: 'Overview',
      data: {
        projects,
        worst,
        status: [
          { label: 'Services', counts: services.counts },
          { label: 'Transactions', counts: transactions.counts },
          { label: 'Locations', counts: locations.counts },
        ],
        robots: { reporting: judged.length - silent, silent },
        events,
      },
    };
  },
};
