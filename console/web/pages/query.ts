// What the list pages share in reading their query and asking the API: one text parameter, the
// offset of a page, and a refusal of a table's own filters shown beside the table instead of as the
// page.
import { PageRefusal } from '../router.ts';

/** A non-empty string parameter (the first `max` characters), else undefined. */
export const queryValue = (value: unknown, max = Number.POSITIVE_INFINITY): string | undefined =>
  typeof value === 'string' && value !== '' ? value.slice(0, max) : undefined;

/** The asked offset rounded down to a page's start, within the rows; 0 for anything else. */
export function pageOffset(asked: unknown, total: number, perPage: number): number {
  const offset = Number(asked);
  return Number.isInteger(offset) && offset > 0 && offset < total ? offset - (offset % perPage) : 0;
}

/** The answer, or the 400 the API gave for the filters: the page names it and shows the rest. */
export function orBadFilters<T>(answer: Promise<T>): Promise<T | PageRefusal> {
  return answer.catch((error: unknown) => {
    if (error instanceof PageRefusal && error.refusal.status === 400) return error;
    throw error;
  });
}
