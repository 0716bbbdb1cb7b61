// The baseline worker's section of primoart.yml (`workers.baseline:`): the harness's keys, the
// model's SQLite file and the model's knobs with their defaults (why these values: README.md).
import { z } from 'zod';
import { positiveInt } from '../../core/config-schema.ts';
import { stateFileSchema, workerConfig } from '../worker-config.ts';

/** The model's knobs; a missing `model` (or key) takes the defaults stated here, and only here. */
export const modelSchema = z
  .strictObject({
    /** Runs older than this many days before their series' newest run leave the model. */
    window_days: positiveInt.default(28),
    /** A series is `learning` (nothing judged against it) until its window holds this many runs. */
    learning_min_samples: positiveInt.default(30),
    /** An hour-of-week bucket is used once it holds this many non-FAIL runs; before, all hours are. */
    bucket_min_samples: positiveInt.default(10),
  })
  .prefault({});

export type ModelConfig = z.output<typeof modelSchema>;

export const baselineConfig = workerConfig('baseline', {
  /** The model's SQLite file (created if missing). */
  state_file: stateFileSchema,
  model: modelSchema,
});
