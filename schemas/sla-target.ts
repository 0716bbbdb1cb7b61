// The message key of a target SLA record (sla-target.avsc): the object it is for, as a JSON array,
// so names holding any character (a '/' in a project) never make two objects one key. The console
// publishes under it and synth-store checks a record against it.
import type { SlaTargetRecord } from './record-types.ts';

export function slaTargetKey(
  target: Pick<SlaTargetRecord, 'level' | 'project' | 'service' | 'transaction_id'>,
): string {
  switch (target.level) {
    case 'project':
      return JSON.stringify(['project', target.project ?? '']);
    case 'service':
      return JSON.stringify(['service', target.project ?? '', target.service ?? '']);
    case 'transaction':
      return JSON.stringify(['transaction', target.transaction_id ?? '']);
  }
}
