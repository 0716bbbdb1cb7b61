// The event detector's section of primoart.yml (`workers.event-detector:`): the harness's keys, its
// SQLite state, the rules' thresholds and the maintenance windows (their schemas and defaults:
// detection-config.ts).

import { z } from 'zod';
import { maintenanceWindowsSchema } from '../../schemas/maintenance-window.ts';
import { stateFileSchema, workerConfig } from '../worker-config.ts';
import { alertsSchema } from './alerting-config.ts';
import { detectionSchema } from './detection-config.ts';

export const eventDetectorConfig = workerConfig('event-detector', {
  /** Every series' state (created if missing). */
  state_file: stateFileSchema,
  detection: detectionSchema,
  /** One alert per transaction (default) or per location, and the severity by failing locations. */
  alerts: alertsSchema,
  /**
   * A series (a transaction at a location) without a run for this many days is forgotten and its
   * open problems cleared: the baseline worker's window (28 days), past which nothing of it is left
   * to judge against either.
   */
  forget_after_days: z.number().positive().default(28),
  /** When problems are recorded but not alerted. */
  maintenance_windows: maintenanceWindowsSchema,
});
