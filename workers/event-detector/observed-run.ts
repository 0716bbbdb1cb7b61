// A run as the detector sees it: only what the rules judge and what events name.
import type { RunStatus, SynthResult } from '../../schemas/record-types.ts';
import { locationKey } from '../../schemas/series-key.ts';

export interface ObservedRun {
  result_id: string;
  /** A run is (robot_id, result_id): robots choose result ids, so two robots may send the same one. */
  robot_id: string;
  transaction_id: string;
  transaction_name: string;
  service: string;
  environment: string;
  /** The location's key (`locationKey`), null when the robot sent no location. */
  location: string | null;
  status: RunStatus;
  duration_ms: number;
  finished_at: Date;
}

export function observedRunOf(result: SynthResult): ObservedRun {
  return {
    result_id: result.result_id,
    robot_id: result.robot_id,
    transaction_id: result.transaction_id,
    transaction_name: result.transaction_name,
    service: result.service,
    environment: result.environment,
    location: locationKey(result.location),
    status: result.status,
    duration_ms: result.finished_at.getTime() - result.started_at.getTime(),
    finished_at: result.finished_at,
  };
}
