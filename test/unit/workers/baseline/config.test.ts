// The baseline worker's `model` keys: each replaces one default of its schema (workers/baseline/config.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseConfig, sectionOf } from '../../../../core/index.ts';
import { componentConfigs } from '../../../../scripts/components.ts';
import { baselineConfig } from '../../../../workers/baseline/config.ts';
import {
  baselineSettingsFromConfig,
  defaultBaselineSettings,
} from '../../../../workers/baseline/settings.ts';

const options = { env: {}, components: componentConfigs };

const base = `
kafka:
  brokers: ["127.0.0.1:19092"]
schema_registry:
  url: "http://127.0.0.1:18081/apis/ccompat/v7"
workers:
  baseline:
    listen: "127.0.0.1:18105"
    state_file: "./data/baseline/baseline.sqlite"
`;

test('model settings replace only the values given; the rest are the defaults', () => {
  const config = parseConfig(
    `${base}    model: { window_days: 14, learning_min_samples: 50 }\n`,
    'primoart.yml',
    options,
  );
  assert.deepEqual(baselineSettingsFromConfig(sectionOf(config, baselineConfig).model), {
    windowDays: 14,
    learningMinSamples: 50,
    bucketMinSamples: 10,
  });
  const plain = parseConfig(base, 'primoart.yml', options);
  const defaults = { windowDays: 28, learningMinSamples: 30, bucketMinSamples: 10 };
  assert.deepEqual(baselineSettingsFromConfig(sectionOf(plain, baselineConfig).model), defaults);
  assert.deepEqual(defaultBaselineSettings, defaults);
});

test('a model value that is not a positive integer, or an unknown key, is a problem at its path', () => {
  try {
    parseConfig(`${base}    model: { window_days: 0, bucket_min: 3 }\n`, 'primoart.yml', options);
    assert.fail('expected the config to be rejected');
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    const paths = error.problems.map((problem) => problem.path);
    assert.ok(paths.includes('workers.baseline.model.window_days'), JSON.stringify(error.problems));
    assert.ok(
      error.problems.some(
        (problem) => problem.path.startsWith('workers.baseline.model') && /bucket_min/.test(problem.message),
      ),
      JSON.stringify(error.problems),
    );
  }
});
