// The console's view of the maintenance windows managed through its API: the compacted topic
// primoart.maintenance-windows.v1 read whole into memory and followed (topics/compacted-view.ts),
// exactly as every event detector reads it.
//
// A view rather than a table synth-store fills (as for the target SLAs): the windows are few and
// have no history to report, the detectors judge by this same view of the topic, and a create or
// delete is visible here as soon as this process has read it back, so its answer can wait for that
// (read your own write) without a migration, a store write or a poll of PostgreSQL.
import type { Logger } from 'pino';
import type { MaintenanceWindow } from '../schemas/maintenance-window.ts';
import {
  type MaintenanceWindowRecord,
  maintenanceWindowOfRecord,
} from '../schemas/maintenance-window-record.ts';
import { topics } from '../topics/catalog.ts';
import type { ValueCodec } from '../topics/codec.ts';
import { caughtUpWithin, startCompactedView } from '../topics/compacted-view.ts';
import type { KafkaConnection } from '../topics/port.ts';

/** A window of the topic: its record (who, when, what for) and the window it stands for. */
export interface ApiMaintenanceWindow {
  record: MaintenanceWindowRecord;
  window: MaintenanceWindow;
}

/** What the endpoints read: the windows this process has seen, and a wait for a change to arrive. */
export interface MaintenanceWindowIndex {
  get(id: string): ApiMaintenanceWindow | undefined;
  /** Every window, oldest first (by created_at, then id). */
  list(): ApiMaintenanceWindow[];
  /**
   * Resolves true once the index holds `id` (`present`) or no longer does, false when that has not
   * happened within `timeoutMs`.
   */
  settled(id: string, present: boolean, timeoutMs: number): Promise<boolean>;
}

/** The index the view fills (`apply` on every change); on its own in tests. */
export function createMaintenanceWindowIndex(): MaintenanceWindowIndex & {
  apply(id: string, value: ApiMaintenanceWindow | undefined): void;
} {
  const windows = new Map<string, ApiMaintenanceWindow>();
  const waiters = new Set<{ id: string; present: boolean; done(settled: boolean): void }>();
  return {
    apply(id, value) {
      if (value === undefined) windows.delete(id);
      else windows.set(id, value);
      for (const waiter of waiters)
        if (waiter.id === id && windows.has(id) === waiter.present) waiter.done(true);
    },
    get: (id) => windows.get(id),
    list: () =>
      [...windows.values()].sort(
        (a, b) => a.record.created_at - b.record.created_at || a.record.id.localeCompare(b.record.id),
      ),
    settled(id, present, timeoutMs) {
      if (windows.has(id) === present) return Promise.resolve(true);
      return new Promise((resolve) => {
        const waiter = {
          id,
          present,
          done(settled: boolean) {
            clearTimeout(timer);
            waiters.delete(waiter);
            resolve(settled);
          },
        };
        const timer = setTimeout(() => waiter.done(false), timeoutMs);
        waiters.add(waiter);
      });
    },
  };
}

export interface MaintenanceWindowView extends MaintenanceWindowIndex {
  /**
   * Resolves once every window in the topic at start-up has been read; rejects, naming the topic,
   * when that takes longer than `catchUpTimeoutMs`.
   */
  caughtUp(): Promise<void>;
  stop(): Promise<void>;
}

export async function openMaintenanceWindowView(options: {
  kafka: KafkaConnection;
  codec: ValueCodec<MaintenanceWindowRecord>;
  logger: Logger;
  /** How long start-up waits to have read every window (startup.dependency_timeout_ms). */
  catchUpTimeoutMs: number;
}): Promise<MaintenanceWindowView> {
  const index = createMaintenanceWindowIndex();
  const view = await startCompactedView<ApiMaintenanceWindow>({
    kafka: options.kafka,
    topic: topics.maintenanceWindows.name,
    logger: options.logger,
    // A record that breaks the setting's rules, or is not under its id, is logged and skipped.
    decode: async (value, message) => {
      const record = await options.codec.decode(value);
      return { record, window: maintenanceWindowOfRecord(record, message.key?.toString('utf8') ?? '') };
    },
    onChange: (id, value) => index.apply(id, value),
  });
  return {
    get: index.get,
    list: index.list,
    settled: index.settled,
    async caughtUp() {
      await caughtUpWithin(
        view,
        options.catchUpTimeoutMs,
        `the maintenance windows in ${topics.maintenanceWindows.name}`,
      );
    },
    stop: () => view.stop(),
  };
}
