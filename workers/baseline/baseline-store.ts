// The baseline model's state: every run's observations within the sliding window, in SQLite.
//
// The state is a pure function of the set of runs ingested, whatever their order or repetition:
// a sample is keyed by (series, robot_id, result_id), so a redelivered or replayed run adds nothing
// (while another robot's run with the same result_id is a run of its own), and a
// series keeps exactly the samples no older than `windowDays` before its newest run (newest by run
// time, not wall clock, so replaying old data rebuilds the same state). Deleting the file and
// replaying the results topic therefore gives identical baselines.
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { hoursPerWeek } from '../../schemas/hour-of-week.ts';
import { seriesKey } from '../../schemas/series-key.ts';
import { type BandStatistics, bandStatistics, type SampleRow } from './band.ts';
import { type BaselineRun, observationsOf, type SeriesInfo } from './series.ts';
import { type BaselineSettings, baselineSettings } from './settings.ts';

const dayMs = 24 * 60 * 60 * 1000;

export type BaselineState = 'learning' | 'ready';

/** Which runs a band came from: the run's own hour-of-week bucket, or all hours (thin bucket). */
export type BaselineSource = 'hour-of-week' | 'all-hours';

export interface Baseline extends BandStatistics {
  seriesKey: string;
  hourOfWeek: number;
  /** "learning": too few runs in the window to judge a run against; the figures are provisional. */
  state: BaselineState;
  source: BaselineSource;
  /** Runs of the series in the window, all hours. */
  windowRuns: number;
}

export interface HourBaseline extends BandStatistics {
  hourOfWeek: number;
  source: BaselineSource;
}

export interface SeriesBaselines {
  series: SeriesInfo;
  state: BaselineState;
  windowRuns: number;
  newestRunAt: Date;
  allHours: BandStatistics;
  /** 168 entries, index = hour of week: the band a run starting in that hour is judged against. */
  hours: HourBaseline[];
}

export interface DailyValue {
  /** UTC midnight starting the day. */
  dayStartMs: number;
  runs: number;
  p50DurationMs: number | null;
  availability: number;
}

export interface IngestOutcome {
  /** Runs seen for the first time and inside their window: the model changed. */
  newRuns: number;
  /** Runs already known, or older than their series' window. */
  ignoredRuns: number;
}

// Series get a small integer id so the many sample rows (and their index) stay compact; samples
// are clustered by series (WITHOUT ROWID), so one series' rows are read in one range.
//
// A run is (robot_id, result_id): result_id is chosen by the robot, so keyed by result_id alone one
// robot's run could keep another's with the same result_id out of the band (issue 9). Version 1 of
// the file (PRAGMA user_version) adds robot_id to the samples' key.
const schemaVersion = 1;

/**
 * The robot_id of samples stored before version 1, whose robot is unknown. Robot ids are UUIDs, so
 * no run carries it. Such a sample is claimed by the first run with its result_id and exactly its
 * observation (time, duration, failure): that is the same run replayed or redelivered after the
 * upgrade, and claiming it instead of adding a second sample keeps the state a function of the set
 * of runs. A run with the same result_id but other figures (another robot's) gets a sample of its own.
 */
const unknownRobot = '';

const schema = `
CREATE TABLE IF NOT EXISTS series (
  series_id INTEGER PRIMARY KEY,
  series_key TEXT NOT NULL UNIQUE,
  transaction_id TEXT NOT NULL,
  transaction_name TEXT NOT NULL,
  step_index INTEGER,
  step_name TEXT,
  location TEXT,
  newest_at_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS samples (
  series_id INTEGER NOT NULL,
  robot_id TEXT NOT NULL,
  result_id TEXT NOT NULL,
  at_ms INTEGER NOT NULL,
  hour_of_week INTEGER NOT NULL,
  duration_ms REAL,
  failed INTEGER NOT NULL,
  PRIMARY KEY (series_id, robot_id, result_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS samples_by_time ON samples (series_id, at_ms);
`;

// Version 0 → 1: the samples table rebuilt with robot_id in its key, every existing sample kept
// with the unknown robot (see unknownRobot). One transaction: a crash leaves the file at version 0.
const migrateToVersion1 = `
ALTER TABLE samples RENAME TO samples_v0;
DROP INDEX IF EXISTS samples_by_time;
${schema.slice(schema.indexOf('CREATE TABLE IF NOT EXISTS samples'))}
INSERT INTO samples (series_id, robot_id, result_id, at_ms, hour_of_week, duration_ms, failed)
  SELECT series_id, '${unknownRobot}', result_id, at_ms, hour_of_week, duration_ms, failed FROM samples_v0;
DROP TABLE samples_v0;
`;

/** Create the schema, or bring a file of an older version to the current one (keeping its samples). */
function openSchema(database: DatabaseSync): void {
  const { user_version: version } = database.prepare('PRAGMA user_version').get() as {
    user_version: number;
  };
  if (version > schemaVersion)
    throw new Error(`baseline state file has version ${version}; this code knows up to ${schemaVersion}`);
  if (version === schemaVersion) {
    database.exec(schema);
    return;
  }
  database.exec('BEGIN IMMEDIATE');
  try {
    const existing = database
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'samples'")
      .get();
    if (existing !== undefined) database.exec(migrateToVersion1);
    database.exec(schema);
    database.exec(`PRAGMA user_version = ${schemaVersion}`);
    database.exec('COMMIT');
  } catch (error) {
    database.exec('ROLLBACK');
    throw error;
  }
}

interface SeriesRow {
  series_id: number;
  series_key: string;
  transaction_id: string;
  transaction_name: string;
  step_index: number | null;
  step_name: string | null;
  location: string | null;
  newest_at_ms: number;
}

function seriesInfo(row: SeriesRow): SeriesInfo {
  return {
    key: row.series_key,
    transactionId: row.transaction_id,
    transactionName: row.transaction_name,
    stepIndex: row.step_index,
    stepName: row.step_name,
    location: row.location,
  };
}

export class BaselineStore {
  readonly settings: BaselineSettings;
  readonly #database: DatabaseSync;
  readonly #windowMs: number;
  /** Whether samples of unknown robot (stored before version 1) may remain to be claimed. */
  readonly #unattributed: boolean;
  readonly #statements: Record<
    | 'upsertSeries'
    | 'insertSample'
    | 'claimSample'
    | 'pruneSeries'
    | 'countSamples'
    | 'hourSamples'
    | 'allSamples'
    | 'timedSamples'
    | 'allSeries',
    StatementSync
  >;

  /** Open (or create) the state file at `path`; `:memory:` for a throw-away model. */
  constructor(path: string, overrides: Partial<BaselineSettings> = {}) {
    this.settings = baselineSettings(overrides);
    this.#windowMs = this.settings.windowDays * dayMs;
    this.#database = new DatabaseSync(path);
    this.#database.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
    openSchema(this.#database);
    const prepare = (sql: string) => this.#database.prepare(sql);
    this.#statements = {
      upsertSeries: prepare(`
        INSERT INTO series (series_key, transaction_id, transaction_name, step_index, step_name, location, newest_at_ms)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (series_key) DO UPDATE SET
          transaction_name = CASE WHEN excluded.newest_at_ms >= newest_at_ms THEN excluded.transaction_name ELSE transaction_name END,
          step_name = CASE WHEN excluded.newest_at_ms >= newest_at_ms THEN excluded.step_name ELSE step_name END,
          newest_at_ms = max(newest_at_ms, excluded.newest_at_ms)
        RETURNING series_id, newest_at_ms`),
      insertSample: prepare(
        'INSERT OR IGNORE INTO samples (series_id, robot_id, result_id, at_ms, hour_of_week, duration_ms, failed) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      // OR IGNORE: the robot may already have a sample of that result_id (it re-sent the id with
      // other figures); then the unknown one stays someone else's.
      claimSample: prepare(
        `UPDATE OR IGNORE samples SET robot_id = ? WHERE series_id = ? AND robot_id = '${unknownRobot}' AND result_id = ? AND at_ms = ? AND duration_ms IS ? AND failed = ?`,
      ),
      pruneSeries: prepare('DELETE FROM samples WHERE series_id = ? AND at_ms < ?'),
      countSamples: prepare(
        'SELECT count(*) AS runs FROM samples WHERE series_id = (SELECT series_id FROM series WHERE series_key = ?)',
      ),
      hourSamples: prepare(
        'SELECT duration_ms, failed FROM samples WHERE series_id = (SELECT series_id FROM series WHERE series_key = ?) AND hour_of_week = ?',
      ),
      allSamples: prepare(
        'SELECT hour_of_week, duration_ms, failed FROM samples WHERE series_id = (SELECT series_id FROM series WHERE series_key = ?)',
      ),
      timedSamples: prepare(
        'SELECT at_ms, duration_ms, failed FROM samples WHERE series_id = (SELECT series_id FROM series WHERE series_key = ?)',
      ),
      allSeries: prepare('SELECT * FROM series ORDER BY series_key'),
    };
    // Checked once: they only grow fewer, and the window prunes the last of them within windowDays.
    this.#unattributed =
      this.#database.prepare(`SELECT 1 FROM samples WHERE robot_id = '${unknownRobot}' LIMIT 1`).get() !==
      undefined;
  }

  /** Add runs (one SQLite transaction for the lot); redelivered runs change nothing. */
  ingest(runs: Iterable<BaselineRun>): IngestOutcome {
    const outcome: IngestOutcome = { newRuns: 0, ignoredRuns: 0 };
    this.#database.exec('BEGIN');
    try {
      for (const run of runs) {
        let changed = false;
        for (const observation of observationsOf(run)) {
          const { series } = observation;
          const newest = this.#statements.upsertSeries.get(
            series.key,
            series.transactionId,
            series.transactionName,
            series.stepIndex,
            series.stepName,
            series.location,
            observation.atMs,
          ) as { series_id: number; newest_at_ms: number };
          const windowStart = newest.newest_at_ms - this.#windowMs;
          if (observation.atMs < windowStart) continue;
          if (this.#unattributed) {
            const claimed = this.#statements.claimSample.run(
              observation.robotId,
              newest.series_id,
              observation.resultId,
              observation.atMs,
              observation.durationMs,
              observation.failed ? 1 : 0,
            );
            if (claimed.changes > 0) continue;
          }
          const inserted = this.#statements.insertSample.run(
            newest.series_id,
            observation.robotId,
            observation.resultId,
            observation.atMs,
            observation.hourOfWeek,
            observation.durationMs,
            observation.failed ? 1 : 0,
          );
          if (inserted.changes > 0) changed = true;
          if (observation.atMs === newest.newest_at_ms)
            this.#statements.pruneSeries.run(newest.series_id, windowStart);
        }
        if (changed) outcome.newRuns++;
        else outcome.ignoredRuns++;
      }
      this.#database.exec('COMMIT');
    } catch (error) {
      this.#database.exec('ROLLBACK');
      throw error;
    }
    return outcome;
  }

  /** The band to judge a run of `key` starting in `hourOfWeek` against. An unknown series is learning. */
  baselineFor(key: string, hourOfWeek: number): Baseline {
    const { runs } = this.#statements.countSamples.get(key) as { runs: number };
    const bucket = bandStatistics(
      this.#statements.hourSamples.all(key, hourOfWeek) as unknown as SampleRow[],
    );
    const useBucket = bucket.durationSamples >= this.settings.bucketMinSamples;
    const band = useBucket
      ? bucket
      : bandStatistics(this.#statements.allSamples.all(key) as unknown as SampleRow[]);
    return {
      seriesKey: key,
      hourOfWeek,
      state: this.#stateOf(runs),
      source: useBucket ? 'hour-of-week' : 'all-hours',
      windowRuns: runs,
      ...band,
    };
  }

  listSeries(): SeriesInfo[] {
    return (this.#statements.allSeries.all() as unknown as SeriesRow[]).map(seriesInfo);
  }

  /**
   * The current baselines of every series (or only those of `keys`), every hour of the week: what
   * gets published and exported.
   */
  listBaselines(keys?: Iterable<string>): SeriesBaselines[] {
    const wanted = keys === undefined ? undefined : new Set(keys);
    const series = this.#statements.allSeries.all() as unknown as SeriesRow[];
    const selected = wanted === undefined ? series : series.filter((row) => wanted.has(row.series_key));
    return selected.map((row) => {
      const rows = this.#statements.allSamples.all(row.series_key) as unknown as Array<
        SampleRow & { hour_of_week: number }
      >;
      const byHour: SampleRow[][] = Array.from({ length: hoursPerWeek }, () => []);
      for (const sample of rows) byHour[sample.hour_of_week]?.push(sample);
      const allHours = bandStatistics(rows);
      const hours = byHour.map((hourRows, hourOfWeek): HourBaseline => {
        const bucket = bandStatistics(hourRows);
        return bucket.durationSamples >= this.settings.bucketMinSamples
          ? { hourOfWeek, source: 'hour-of-week', ...bucket }
          : { hourOfWeek, source: 'all-hours', ...allHours };
      });
      return {
        series: seriesInfo(row),
        state: this.#stateOf(rows.length),
        windowRuns: rows.length,
        newestRunAt: new Date(row.newest_at_ms),
        allHours,
        hours,
      };
    });
  }

  /** The transaction's whole-run p50 duration and availability per UTC day in the window (for forecasts). */
  dailyHistory(transactionId: string): DailyValue[] {
    const key = seriesKey({ transactionId, stepIndex: null, location: null });
    const rows = this.#statements.timedSamples.all(key) as unknown as Array<SampleRow & { at_ms: number }>;
    const byDay = new Map<number, SampleRow[]>();
    for (const row of rows) {
      const day = Math.floor(row.at_ms / dayMs) * dayMs;
      const dayRows = byDay.get(day);
      if (dayRows === undefined) byDay.set(day, [row]);
      else dayRows.push(row);
    }
    return [...byDay.entries()]
      .sort(([a], [b]) => a - b)
      .map(([dayStartMs, dayRows]) => {
        const band = bandStatistics(dayRows);
        return {
          dayStartMs,
          runs: band.runs,
          p50DurationMs: band.duration?.p50 ?? null,
          availability: band.availability ?? 0,
        };
      });
  }

  close(): void {
    this.#database.close();
  }

  #stateOf(windowRuns: number): BaselineState {
    return windowRuns >= this.settings.learningMinSamples ? 'ready' : 'learning';
  }
}
