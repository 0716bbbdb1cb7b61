// The event detector's section of primoart.yml (`workers.event-detector:`): the harness's keys, its
// SQLite state, the rules' thresholds (detection-config.ts; defaults in detector-options.ts) and
// the maintenance windows.
import { stateFileSchema, workerConfig } from '../worker-config.ts';
import { detectionSchema, maintenanceWindowsSchema } from './detection-config.ts';

export const eventDetectorConfig = workerConfig('event-detector', {
  /** Every series' state (created if missing). */
  state_file: stateFileSchema,
  detection: detectionSchema.optional(),
  /** When problems are recorded but not alerted. */
  maintenance_windows: maintenanceWindowsSchema.optional(),
});
