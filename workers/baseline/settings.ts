// The baseline model's knobs in camelCase; their defaults are the `model` schema's (config.ts, and
// README.md for why these values).
import { type ModelConfig, modelSchema } from './config.ts';

export interface BaselineSettings {
  /** Runs older than this before the newest run of their series drop out of the model. */
  windowDays: number;
  /** A series is "learning" (not to be judged against) until its window holds this many runs. */
  learningMinSamples: number;
  /** An hour-of-week bucket is used once it holds this many non-FAIL runs; before, all hours are. */
  bucketMinSamples: number;
}

/** The settings a worker section's parsed `model` holds (its schema filled in the defaults). */
export function baselineSettingsFromConfig(model: ModelConfig): BaselineSettings {
  return {
    windowDays: model.window_days,
    learningMinSamples: model.learning_min_samples,
    bucketMinSamples: model.bucket_min_samples,
  };
}

/** Every default: an empty `model` parsed by its schema. */
export const defaultBaselineSettings: BaselineSettings = baselineSettingsFromConfig(
  modelSchema.parse(undefined),
);

export function baselineSettings(overrides: Partial<BaselineSettings> = {}): BaselineSettings {
  const settings = { ...defaultBaselineSettings, ...overrides };
  for (const [name, value] of Object.entries(settings)) {
    if (!Number.isFinite(value) || value <= 0)
      throw new Error(`baseline ${name} must be a positive number, got ${value}`);
  }
  return settings;
}
