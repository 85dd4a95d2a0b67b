/**
 * The bench page's history of runs in IndexedDB (`webstr-bench`, store `runs`): each finished run's
 * report and the images of its failures, newest first. Schema as a type (idb), versioned upgrades.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { BenchReport } from '../eval/report.ts';

export interface HistoryRun {
  id?: number;
  savedAt: string;
  report: BenchReport;
  failureImages: Uint8Array[];
}

interface BenchDB extends DBSchema {
  runs: { key: number; value: HistoryRun };
}

export class BenchHistory {
  private constructor(private readonly db: IDBPDatabase<BenchDB>) {}

  static async open(name = 'webstr-bench'): Promise<BenchHistory> {
    const db = await openDB<BenchDB>(name, 1, {
      upgrade(d, oldVersion) {
        if (oldVersion < 1) d.createObjectStore('runs', { keyPath: 'id', autoIncrement: true });
      },
      // Deleted (storage panel) or upgraded elsewhere: let it, this connection ends.
      blocking() {
        db.close();
      },
    });
    return new BenchHistory(db);
  }

  async add(run: Omit<HistoryRun, 'id'>): Promise<number> {
    return this.db.add('runs', run);
  }

  /** Newest first. */
  async list(): Promise<HistoryRun[]> {
    return (await this.db.getAll('runs')).reverse();
  }

  async get(id: number): Promise<HistoryRun | undefined> {
    return this.db.get('runs', id);
  }

  async delete(id: number): Promise<void> {
    await this.db.delete('runs', id);
  }
}
