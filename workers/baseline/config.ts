// The baseline worker's section of primoart.yml (`workers.baseline:`): the harness's keys, the
// model's SQLite file and the model's knobs (their defaults and why: settings.ts and README.md).
import { z } from 'zod';
import { positiveInt } from '../../core/config-schema.ts';
import { stateFileSchema, workerConfig } from '../worker-config.ts';

export const baselineConfig = workerConfig('baseline', {
  /** The model's SQLite file (created if missing). */
  state_file: stateFileSchema,
  model: z
    .strictObject({
      /** Runs older than this many days before their series' newest run leave the model. */
      window_days: positiveInt.optional(),
      /** A series is `learning` (nothing judged against it) until its window holds this many runs. */
      learning_min_samples: positiveInt.optional(),
      /** An hour-of-week bucket is used once it holds this many non-FAIL runs; before, all hours are. */
      bucket_min_samples: positiveInt.optional(),
    })
    .optional(),
});
