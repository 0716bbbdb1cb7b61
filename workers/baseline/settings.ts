// The baseline model's knobs, with their defaults in one place (see README.md for why these values).

export interface BaselineSettings {
  /** Runs older than this before the newest run of their series drop out of the model. */
  windowDays: number;
  /** A series is "learning" (not to be judged against) until its window holds this many runs. */
  learningMinSamples: number;
  /** An hour-of-week bucket is used once it holds this many non-FAIL runs; before, all hours are. */
  bucketMinSamples: number;
}

export const defaultBaselineSettings: BaselineSettings = {
  windowDays: 28,
  learningMinSamples: 30,
  bucketMinSamples: 10,
};

export function baselineSettings(overrides: Partial<BaselineSettings> = {}): BaselineSettings {
  const settings = { ...defaultBaselineSettings, ...overrides };
  for (const [name, value] of Object.entries(settings)) {
    if (!Number.isFinite(value) || value <= 0)
      throw new Error(`baseline ${name} must be a positive number, got ${value}`);
  }
  return settings;
}

/** The settings a worker section's `model` asks for (snake_case keys), the defaults for the rest. */
export function baselineSettingsFromConfig(
  model: { window_days?: number; learning_min_samples?: number; bucket_min_samples?: number } = {},
): BaselineSettings {
  const overrides: Partial<BaselineSettings> = {};
  if (model.window_days !== undefined) overrides.windowDays = model.window_days;
  if (model.learning_min_samples !== undefined) overrides.learningMinSamples = model.learning_min_samples;
  if (model.bucket_min_samples !== undefined) overrides.bucketMinSamples = model.bucket_min_samples;
  return baselineSettings(overrides);
}
