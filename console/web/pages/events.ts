// `/events`: what is wrong now (the transactions with open problems, worst first) and the events
// feed — problems opening and clearing, newest first, filtered, 50 a page by the API's cursor —
// each linked to its transaction and to the run that opened or cleared it.
import { PageRefusal, type WebPage } from '../router.ts';
import { orBadFilters, queryValue } from './query.ts';

export const eventsPerPage = 50;
const filterNames = ['project', 'service', 'transaction', 'location', 'kind', 'severity', 'action'] as const;

interface StatusAnswer {
  objects: Array<{
    transaction_id: string | null;
    transaction_name: string | null;
    service: string | null;
    project: string | null;
    state: string;
  }>;
}

interface EventsAnswer {
  events: Array<Record<string, unknown>>;
  next_cursor: string | null;
}

export const eventsPage: WebPage = {
  name: 'events',
  path: '/events',
  async handle({ api, period, request, href }) {
    const query = request.query as Record<string, unknown>;
    const filters = Object.fromEntries(
      filterNames.map((name) => [name, queryValue(query[name], 256)]),
    ) as Record<(typeof filterNames)[number], string | undefined>;
    const includeSuppressed = query.include_suppressed === 'true';
    const cursor = queryValue(query.cursor, 256);
    const [status, feed] = await Promise.all([
      api<StatusAnswer>('getStatus', {
        level: 'transaction',
        project: filters.project,
        service: filters.service,
      }),
      // A filter the API refuses is named on the page; the open problems still show.
      orBadFilters(
        api<EventsAnswer>('listEvents', {
          ...filters,
          from: period.from,
          to: period.to,
          include_suppressed: includeSuppressed,
          limit: eventsPerPage,
          cursor,
        }),
      ),
    ]);
    const keep = { ...filters, include_suppressed: includeSuppressed ? 'true' : undefined };
    const open = status.objects.filter(
      (object) =>
        object.state !== 'OK' &&
        (filters.transaction === undefined || object.transaction_id === filters.transaction),
    );
    const events = feed instanceof PageRefusal ? { events: [], next_cursor: null } : feed;
    return {
      template: 'events',
      title: 'Events',
      data: {
        keep,
        filters,
        includeSuppressed,
        open: open.slice(0, 200),
        openTotal: open.length,
        events: events.events,
        refusal: feed instanceof PageRefusal ? feed.refusal.error : undefined,
        nextUrl:
          events.next_cursor === null ? undefined : href('/events', { ...keep, cursor: events.next_cursor }),
        firstUrl: cursor === undefined ? undefined : href('/events', keep),
      },
    };
  },
};
