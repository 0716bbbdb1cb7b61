// How long a transaction may stay silent: its schedule (the definition's cron) around its last run.
import { CronExpressionParser } from 'cron-parser';

/**
 * The longest gap between `lastRunMs` and the next `fires` fire times of `cron` (5 fields, UTC, at
 * second 0, as robots run it). Taken around the last run, not as one fixed figure, so an irregular
 * schedule (weekdays only, office hours) allows its own long gaps: a robot silent over the weekend
 * of a Monday-to-Friday schedule is not missing. Undefined for an expression cron-parser refuses
 * (the gateway validates definitions; an old record might still hold one).
 */
export function scheduleIntervalMs(cron: string, lastRunMs: number, fires: number): number | undefined {
  let expression: ReturnType<typeof CronExpressionParser.parse>;
  try {
    expression = CronExpressionParser.parse(`0 ${cron}`, { tz: 'UTC', currentDate: new Date(lastRunMs) });
  } catch {
    return undefined;
  }
  let previous = lastRunMs;
  let longest = 0;
  for (let i = 0; i < fires && expression.hasNext(); i++) {
    const next = expression.next().getTime();
    longest = Math.max(longest, next - previous);
    previous = next;
  }
  return longest > 0 ? longest : undefined;
}
