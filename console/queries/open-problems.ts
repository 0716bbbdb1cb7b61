// What the status roll-up and the catalogue's current states read of the events: the open problems,
// and a location's name as the event detector gives it.

/**
 * The newest event of every problem (transaction × kind × location; NULL location: the transaction's
 * problem over its locations), by occurred_at then stored_at, when it is an `open` not suppressed by
 * a maintenance window, with its level (2 critical or major, 1 warning); and, for a transaction's
 * problem, one row per failing location it names (`locations`), so a location's state is known
 * whether the detector alerts per transaction (the default) or per location; those rows are marked
`via_transaction`, so a count of problems leaves them out (one problem, not one per location). Use it as
 * `WITH open AS MATERIALIZED (…)` and join it by set (GROUP BY), never from a correlated subquery:
 * PostgreSQL would inline it and sort every event once per outer row.
 */
export const openProblemsSql = `
  SELECT newest.transaction_id, expanded.location, newest.kind, expanded.via_transaction,
    CASE WHEN newest.severity IN ('critical', 'major') THEN 2 ELSE 1 END AS level
  FROM (
    SELECT DISTINCT ON (transaction_id, kind, coalesce(location, ''))
      transaction_id, location, kind, action, severity, suppressed, locations, occurred_at,
      max(occurred_at) FILTER (WHERE location IS NULL) OVER (PARTITION BY transaction_id, kind)
        AS transaction_event_at
    FROM synth_events
    -- Ties (a rename's clear and open, a fold at one run) are broken by the offset: a transaction's
    -- events are keyed by its id, so they share a partition and its order.
    ORDER BY transaction_id, kind, coalesce(location, ''), occurred_at DESC, stored_at DESC,
      source_offset DESC
  ) newest
  CROSS JOIN LATERAL (
    SELECT newest.location, false
    UNION ALL
    SELECT failing, true FROM unnest(newest.locations) AS failing
    WHERE newest.location IS NULL AND failing <> ''
  ) AS expanded (location, via_transaction)
  WHERE newest.action = 'open' AND NOT newest.suppressed
    -- A location's own problem (alerts per location, or events from before one problem per
    -- transaction) older than the transaction's newest event of that kind is superseded by it.
    AND (newest.location IS NULL OR newest.transaction_event_at IS NULL
      OR newest.occurred_at >= newest.transaction_event_at)`;

/** A location row `l` named as the event detector names it: its known parts, joined by '/'. */
export const locationKeySql = `concat_ws('/', nullif(l.country, ''), nullif(l.region, ''), nullif(l.city, ''))`;
