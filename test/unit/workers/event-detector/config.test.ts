// The event detector's keys of its worker section: thresholds over the defaults of their schema
// (detection-config.ts), and maintenance windows validated with a problem at their path.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseConfig, sectionOf } from '../../../../core/index.ts';
import { componentConfigs } from '../../../../scripts/components.ts';
import { eventDetectorConfig } from '../../../../workers/event-detector/config.ts';
import { defaultDetectorOptions } from '../../../../workers/event-detector/detector-options.ts';

/** The defaults, as they were before the schema held them. */
const defaults = {
  availability: { open: 3, window: 5, clearAfter: 3 },
  performance: {
    method: 'sequential',
    open: 5,
    window: 5,
    majorFactor: 1.5,
    cusum: { k: 0.5, h: 9.5, pooledH: 12 },
  },
  degraded: { open: 3, window: 5, clearAfter: 3 },
  noData: { missedIntervals: 3 },
  ordering: { graceMs: 2 * 60_000 },
};

const options = { env: {}, components: componentConfigs };

const base = `
kafka:
  brokers: ["127.0.0.1:19092"]
schema_registry:
  url: "http://127.0.0.1:18081/apis/ccompat/v7"
workers:
  event-detector:
    listen: "127.0.0.1:18106"
    state_file: "./data/event-detector/detector.sqlite"
`;

function problemsOf(text: string): ConfigError['problems'] {
  try {
    parseConfig(text, 'primoart.yml', options);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.problems;
  }
  assert.fail('expected the config to be rejected');
}

test('detection settings replace only the thresholds given; the rest are the defaults', () => {
  const text = `${base}    detection:
      availability: { open: 2 }
      performance: { major_factor: 2 }
      no_data: { check_interval_ms: 5000 }
`;
  const section = sectionOf(parseConfig(text, 'primoart.yml', options), eventDetectorConfig);
  assert.deepEqual(section.detection, {
    options: {
      ...defaults,
      availability: { ...defaults.availability, open: 2 },
      performance: { ...defaults.performance, majorFactor: 2 },
    },
    noDataCheckIntervalMs: 5000,
  });
});

test('no detection and no maintenance_windows: every default', () => {
  const section = sectionOf(parseConfig(base, 'primoart.yml', options), eventDetectorConfig);
  assert.deepEqual(section.detection, { options: defaults, noDataCheckIntervalMs: 30_000 });
  assert.deepEqual(section.maintenance_windows, []);
  assert.deepEqual(defaultDetectorOptions, defaults);
});

test('a threshold that makes no sense with the defaults is a problem at detection', () => {
  const problems = problemsOf(`${base}    detection:\n      availability: { open: 6 }\n`);
  assert.equal(problems.length, 1);
  assert.equal(problems[0]?.path, 'workers.event-detector.detection');
  assert.match(
    problems[0]?.message ?? '',
    /availability\.open must be an integer between 1 and availability\.window/,
  );
});

test('performance: the method and the CUSUM thresholds; a bad one is a problem naming the key', () => {
  const count = `${base}    detection:
      performance: { method: count, open: 4 }
`;
  assert.deepEqual(
    sectionOf(parseConfig(count, 'primoart.yml', options), eventDetectorConfig).detection.options.performance,
    {
      ...defaults.performance,
      method: 'count',
      open: 4,
    },
  );
  const sequential = `${base}    detection:
      performance: { cusum: { h: 12 } }
`;
  assert.deepEqual(
    sectionOf(parseConfig(sequential, 'primoart.yml', options), eventDetectorConfig).detection.options
      .performance.cusum,
    { k: 0.5, h: 12, pooledH: 12 },
  );
  const unknown = problemsOf(`${base}    detection:\n      performance: { method: median }\n`);
  assert.equal(unknown[0]?.path, 'workers.event-detector.detection.performance.method');
  assert.match(unknown[0]?.message ?? '', /sequential|count/);
  const negative = problemsOf(`${base}    detection:\n      performance: { cusum: { k: 0 } }\n`);
  assert.equal(negative[0]?.path, 'workers.event-detector.detection.performance.cusum.k');
  const pooled = problemsOf(`${base}    detection:\n      performance: { cusum: { pooled_h: -1 } }\n`);
  assert.equal(pooled[0]?.path, 'workers.event-detector.detection.performance.cusum.pooled_h');
});

test('maintenance windows become schedules; bad ones are problems naming their path', () => {
  const good = `${base}    maintenance_windows:
      - { id: release, service: webshop, once: { from: "2026-12-01T22:00:00Z", to: "2026-12-01T23:30:00+01:00" } }
      - { id: nightly, transaction_id: tx-1, weekly: { days: [mon, tue], start: "23:30", end: "00:30", time_zone: Europe/Berlin } }
`;
  const windows = sectionOf(
    parseConfig(good, 'primoart.yml', options),
    eventDetectorConfig,
  ).maintenance_windows;
  assert.deepEqual(windows, [
    {
      id: 'release',
      service: 'webshop',
      schedule: {
        kind: 'once',
        from: new Date('2026-12-01T22:00:00Z'),
        to: new Date('2026-12-01T22:30:00Z'),
      },
    },
    {
      id: 'nightly',
      transaction_id: 'tx-1',
      schedule: {
        kind: 'weekly',
        days: ['mon', 'tue'],
        start: '23:30',
        end: '00:30',
        time_zone: 'Europe/Berlin',
      },
    },
  ]);

  const bad = `${base}    maintenance_windows:
      - { id: a, weekly: { days: [mon], start: "25:00", end: "01:00", time_zone: Mars/Olympus } }
      - { id: a, once: { from: "2026-12-01T23:00:00Z", to: "2026-12-01T22:00:00Z" } }
      - { id: c }
      - { id: d, once: { from: "2026-12-01 22:00", to: "2026-12-01T23:00:00Z" }, weekly: { days: [sun], start: "01:00", end: "02:00" } }
`;
  const byPath = new Map(problemsOf(bad).map((problem) => [problem.path, problem.message]));
  const prefix = 'workers.event-detector.maintenance_windows';
  assert.match(byPath.get(`${prefix}[0].weekly.start`) ?? '', /HH:MM/);
  assert.match(byPath.get(`${prefix}[0].weekly.time_zone`) ?? '', /unknown IANA time zone "Mars\/Olympus"/);
  assert.match(byPath.get(`${prefix}[1].once.to`) ?? '', /must be after from/);
  assert.match(byPath.get(`${prefix}[2]`) ?? '', /exactly one of once or weekly/);
  assert.match(byPath.get(`${prefix}[3].once.from`) ?? '', /RFC 3339/);
});

test('two maintenance windows with one id are a problem at the second', () => {
  const problems = problemsOf(`${base}    maintenance_windows:
      - { id: w, once: { from: "2026-12-01T22:00:00Z", to: "2026-12-01T23:00:00Z" } }
      - { id: w, weekly: { days: [sun], start: "01:00", end: "02:00" } }
`);
  assert.deepEqual(
    problems.map((problem) => [problem.path, problem.message]),
    [['workers.event-detector.maintenance_windows[1].id', 'duplicate window id "w"']],
  );
});
