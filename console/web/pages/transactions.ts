// `/transactions`: every transaction with runs in the period (or the one before), worst first or as
// sorted, filtered by project, service and a name search; 50 a page. Each row: current state, SLA
// against its target and the previous period, p50 and p90, a trend of the period, the last run.
import type { SlaAnswer } from '../../api/sla.ts';
import type { SummariesAnswer } from '../../api/transaction-summaries.ts';
import { jsonForScript } from '../render.ts';
import type { WebPage } from '../router.ts';
import { pageOffset, queryValue } from './query.ts';

export const transactionsPerPage = 50;
/** The SLA report's rows the list is cut from: far above the 1,000 transactions it must handle. */
const listedRows = 5000;
const sorts = ['worst', 'name', 'runs'] as const;

interface StatusAnswer {
  objects: Array<{ transaction_id: string | null; state: string }>;
}

const text = (value: unknown, max = 256) => queryValue(typeof value === 'string' ? value.trim() : value, max);

export const transactionsPage: WebPage = {
  name: 'transactions',
  path: '/transactions',
  async handle({ api, period, request, href }) {
    const query = request.query as Record<string, unknown>;
    const sort = sorts.find((one) => one === query.sort) ?? 'worst';
    const filters = { project: text(query.project), service: text(query.service) };
    const search = text(query.q, 100);
    const range = { from: period.from, to: period.to, tz: period.tz };
    const [sla, status] = await Promise.all([
      api<SlaAnswer>('getSla', { level: 'transaction', ...range, ...filters, sort, limit: listedRows }),
      api<StatusAnswer>('getStatus', { level: 'transaction', ...filters }),
    ]);
    const needle = search?.toLowerCase();
    const matching = sla.rows.filter(
      (row) =>
        needle === undefined ||
        `${row.transaction_name ?? ''} ${row.service ?? ''} ${row.project ?? ''}`
          .toLowerCase()
          .includes(needle),
    );
    const offset = pageOffset(query.offset, matching.length, transactionsPerPage);
    const rows = matching.slice(offset, offset + transactionsPerPage);
    const ids = rows.map((row) => row.transaction_id).filter((id): id is string => id !== null);
    const summaries =
      ids.length === 0
        ? { transactions: [] }
        : await api<SummariesAnswer>('listTransactionSummaries', {
            transaction: ids.join(','),
            from: period.from,
            to: period.to,
            points: 24,
          });
    const summaryOf = new Map(summaries.transactions.map((one) => [one.transaction_id, one]));
    const stateOf = new Map(status.objects.map((one) => [one.transaction_id, one.state]));
    const keep = { ...filters, q: search, sort: sort === 'worst' ? undefined : sort };
    const pageAt = (at: number) => href('/transactions', { ...keep, offset: at === 0 ? undefined : at });
    return {
      template: 'transactions',
      title: 'Transactions',
      data: {
        scripts: ['/assets/lists.js'],
        sla,
        keep,
        sort,
        search,
        filters,
        total: matching.length,
        offset,
        rows: rows.map((row) => ({
          row,
          state: stateOf.get(row.transaction_id) ?? 'OK',
          summary: summaryOf.get(row.transaction_id ?? ''),
        })),
        sortUrl: (by: string) => href('/transactions', { ...keep, sort: by === 'worst' ? undefined : by }),
        previousUrl: offset === 0 ? undefined : pageAt(Math.max(0, offset - transactionsPerPage)),
        nextUrl:
          offset + transactionsPerPage < matching.length ? pageAt(offset + transactionsPerPage) : undefined,
        json: jsonForScript({
          tz: period.tz,
          trends: rows.map((row) =>
            (summaryOf.get(row.transaction_id ?? '')?.trend ?? []).map((point) => [
              point.from,
              point.sla_percent,
              point.p50_ms,
            ]),
          ),
        }),
      },
    };
  },
};
