// The event detector's section of primoart.yml (`workers.event-detector:`): the harness's keys, its
// SQLite state, the rules' thresholds and the maintenance windows (their schemas and defaults:
// detection-config.ts).

import { maintenanceWindowsSchema } from '../../schemas/maintenance-window.ts';
import { stateFileSchema, workerConfig } from '../worker-config.ts';
import { detectionSchema } from './detection-config.ts';

export const eventDetectorConfig = workerConfig('event-detector', {
  /** Every series' state (created if missing). */
  state_file: stateFileSchema,
  detection: detectionSchema,
  /** When problems are recorded but not alerted. */
  maintenance_windows: maintenanceWindowsSchema,
});
