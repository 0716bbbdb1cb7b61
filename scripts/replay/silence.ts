// A replay is lag by design: the worker is as far behind as the records it reads again, for as long
// as that takes, and it dead-letters again the poison records it meets. The pipeline-health rules
// (infra/vmalert/pipeline-health.rules.yml) would page on-call for both (ConsumerLagHigh after
// 5 min, DeadLettersIncreasing at once). So while a replay runs, those two alerts of that worker are
// silenced in Alertmanager, with a comment saying which replay, and the silence outlasts the catch-up
// by the dead-letter rule's window, after which neither can still be firing from the replay. Any
// other alert (the worker down, the gateway failing, another worker's lag) still pages.
import { request } from 'undici';

/** The rules a replay trips by design, and how long after it ends they may still fire. */
export const replayAlerts = ['ConsumerLagHigh', 'DeadLettersIncreasing'] as const;
/** DeadLettersIncreasing looks at increase(...[10m]); the lag alert resolves at the next evaluation. */
export const afterCatchUpMs = 10 * 60_000;

export interface ReplaySilence {
  id: string;
  /** Ends the silence `afterCatchUpMs` from now (the replay caught up, or gave up). */
  finish(): Promise<void>;
}

/** Alertmanager's v2 silence for `worker`'s replay alerts, from now until `endsAt`. */
export function silenceBody(worker: string, comment: string, now: Date, endsAt: Date, id?: string) {
  return {
    ...(id === undefined ? {} : { id }),
    matchers: [
      { name: 'alertname', value: replayAlerts.join('|'), isRegex: true, isEqual: true },
      { name: 'worker', value: worker, isRegex: false, isEqual: true },
    ],
    startsAt: now.toISOString(),
    endsAt: endsAt.toISOString(),
    createdBy: 'primoart replay',
    comment,
  };
}

async function post(alertmanagerUrl: string, body: unknown): Promise<string> {
  const response = await request(`${alertmanagerUrl.replace(/\/+$/, '')}/api/v2/silences`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  });
  const text = await response.body.text();
  if (response.statusCode !== 200)
    throw new Error(`Alertmanager answered ${response.statusCode}: ${text.slice(0, 200)}`);
  return (JSON.parse(text) as { silenceID: string }).silenceID;
}

/** Silences `worker`'s replay alerts for at most `maxMs` plus the window, until `finish()`. */
export async function silenceReplay(
  alertmanagerUrl: string,
  worker: string,
  comment: string,
  maxMs: number,
): Promise<ReplaySilence> {
  const now = new Date();
  const id = await post(
    alertmanagerUrl,
    silenceBody(worker, comment, now, new Date(now.getTime() + maxMs + afterCatchUpMs)),
  );
  return {
    id,
    async finish() {
      // The same start: Alertmanager then shortens this silence rather than replacing it.
      await post(
        alertmanagerUrl,
        silenceBody(worker, comment, now, new Date(Date.now() + afterCatchUpMs), id),
      );
    },
  };
}
