import { mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { EventDraft, RunEvent } from '../events/event.ts';
import { newId } from '../ids.ts';
import type { Run, RunState } from '../runs/run.ts';
import type { StepRecord } from '../runs/step.ts';
import { migrate } from './migrations.ts';
import type {
  Idempotency,
  RunChange,
  RunListFilter,
  RunStore,
  ScreenshotMeta,
  WebhookDelivery,
} from './run-store.ts';

interface EventRow {
  run_id: string;
  seq: number;
  type: string;
  created_at: string;
  data: string;
}

function toEvent(row: EventRow): RunEvent {
  return {
    seq: row.seq,
    type: row.type as RunEvent['type'],
    run_id: row.run_id,
    created_at: row.created_at,
    data: JSON.parse(row.data) as Record<string, unknown>,
  };
}

function toRun(row: { body: string }): Run {
  return JSON.parse(row.body) as Run;
}

/**
 * The run store on one SQLite file in WAL mode, with screenshots as files beside it. better-sqlite3
 * is synchronous, so every method is one short transaction on the event loop; the async signatures
 * are the `RunStore` contract that a networked store would need.
 */
export class SqliteRunStore implements RunStore {
  readonly #db: Database.Database;
  readonly #statements = new Map<string, Database.Statement>();
  readonly #screenshotDir: string;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    this.#screenshotDir = join(dataDir, 'screenshots');
    mkdirSync(this.#screenshotDir, { recursive: true });

    this.#db = new Database(join(dataDir, 'deskpilot.db'));
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = NORMAL');
    this.#db.pragma('foreign_keys = ON');
    this.#db.pragma('busy_timeout = 5000');
    migrate(this.#db);
  }

  async insertRun(change: RunChange, idempotency?: Idempotency): Promise<RunEvent[]> {
    return this.#db.transaction(() => {
      const { run } = change;
      this.#prepare(
        'INSERT INTO runs (id, state, machine_id, last_seq, body) VALUES (?, ?, ?, 0, ?)',
      ).run(run.id, run.state, run.machine_id, JSON.stringify(run));
      if (idempotency) {
        this.#prepare(
          'INSERT INTO idempotency_keys (key, body_hash, run_id, created_at) VALUES (?, ?, ?, ?)',
        ).run(idempotency.key, idempotency.bodyHash, run.id, run.created_at);
      }
      return this.#appendEvents(run.id, 0, change.events);
    })();
  }

  async findIdempotencyKey(key: string): Promise<{ bodyHash: string; runId: string } | null> {
    const row = this.#prepare('SELECT body_hash, run_id FROM idempotency_keys WHERE key = ?').get(
      key,
    ) as { body_hash: string; run_id: string } | undefined;
    return row ? { bodyHash: row.body_hash, runId: row.run_id } : null;
  }

  async getRun(id: string): Promise<Run | null> {
    const row = this.#prepare('SELECT body FROM runs WHERE id = ?').get(id) as
      { body: string } | undefined;
    return row ? toRun(row) : null;
  }

  async listRuns(filter: RunListFilter): Promise<{ runs: Run[]; hasMore: boolean }> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (filter.state) {
      where.push('state = ?');
      params.push(filter.state);
    }
    if (filter.machineId) {
      where.push('machine_id = ?');
      params.push(filter.machineId);
    }
    if (filter.startingAfter) {
      where.push('id < ?');
      params.push(filter.startingAfter);
    }
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const rows = this.#prepare(`SELECT body FROM runs ${clause} ORDER BY id DESC LIMIT ?`).all(
      ...params,
      filter.limit + 1,
    ) as { body: string }[];

    const runs = rows.slice(0, filter.limit).map(toRun);
    return { runs, hasMore: rows.length > filter.limit };
  }

  async runsInStates(states: readonly RunState[]): Promise<Run[]> {
    const marks = states.map(() => '?').join(', ');
    const rows = this.#prepare(`SELECT body FROM runs WHERE state IN (${marks}) ORDER BY id`).all(
      ...states,
    ) as { body: string }[];
    return rows.map(toRun);
  }

  async oldestQueued(machineId: string): Promise<Run | null> {
    const row = this.#prepare(
      "SELECT body FROM runs WHERE machine_id = ? AND state = 'queued' ORDER BY id LIMIT 1",
    ).get(machineId) as { body: string } | undefined;
    return row ? toRun(row) : null;
  }

  async updateRun(
    id: string,
    change: (run: Run) => RunChange,
  ): Promise<{ run: Run; events: RunEvent[] }> {
    return this.#db.transaction(() => {
      const row = this.#prepare('SELECT body, last_seq FROM runs WHERE id = ?').get(id) as
        { body: string; last_seq: number } | undefined;
      if (!row) throw new Error(`run ${id} is not in the store`);

      const next = change(toRun(row));
      this.#prepare('UPDATE runs SET state = ?, body = ? WHERE id = ?').run(
        next.run.state,
        JSON.stringify(next.run),
        id,
      );
      const events = this.#appendEvents(id, row.last_seq, next.events);
      if (next.webhook) this.#insertDelivery(id, next.webhook.url, next.webhook.body(events));
      return { run: next.run, events };
    })();
  }

  async eventsAfter(runId: string, afterSeq: number, limit: number): Promise<RunEvent[]> {
    const rows = this.#prepare(
      'SELECT * FROM events WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?',
    ).all(runId, afterSeq, limit) as EventRow[];
    return rows.map(toEvent);
  }

  async saveStep(step: StepRecord): Promise<void> {
    this.#prepare('INSERT OR REPLACE INTO steps (run_id, idx, body) VALUES (?, ?, ?)').run(
      step.run_id,
      step.index,
      JSON.stringify(step),
    );
  }

  async listSteps(runId: string): Promise<StepRecord[]> {
    const rows = this.#prepare('SELECT body FROM steps WHERE run_id = ? ORDER BY idx').all(
      runId,
    ) as { body: string }[];
    return rows.map((row) => JSON.parse(row.body) as StepRecord);
  }

  async saveScreenshot(meta: ScreenshotMeta, image: Buffer): Promise<void> {
    const file = `${meta.id}.${meta.format === 'jpeg' ? 'jpg' : 'png'}`;
    const dir = join(this.#screenshotDir, meta.run_id);
    mkdirSync(dir, { recursive: true });

    // Written under a temporary name first so that a crash never leaves a half image behind an id.
    const path = join(dir, file);
    writeFileSync(`${path}.partial`, image);
    renameSync(`${path}.partial`, path);
    this.#prepare('INSERT INTO screenshots (id, run_id, file, meta) VALUES (?, ?, ?, ?)').run(
      meta.id,
      meta.run_id,
      join(meta.run_id, file),
      JSON.stringify(meta),
    );
  }

  async getScreenshot(
    runId: string,
    id: string,
  ): Promise<{ meta: ScreenshotMeta; image: Buffer } | null> {
    const row = this.#prepare('SELECT file, meta FROM screenshots WHERE id = ? AND run_id = ?').get(
      id,
      runId,
    ) as { file: string; meta: string } | undefined;
    if (!row) return null;
    const image = readFileSync(join(this.#screenshotDir, row.file));
    return { meta: JSON.parse(row.meta) as ScreenshotMeta, image };
  }

  async dueWebhookDeliveries(now: Date, limit: number): Promise<WebhookDelivery[]> {
    return this.#prepare(
      `SELECT * FROM webhook_deliveries
         WHERE state = 'pending' AND next_attempt_at <= ?
         ORDER BY next_attempt_at LIMIT ?`,
    ).all(now.toISOString(), limit) as WebhookDelivery[];
  }

  async nextWebhookAttemptAt(): Promise<Date | null> {
    const row = this.#prepare(
      "SELECT MIN(next_attempt_at) AS at FROM webhook_deliveries WHERE state = 'pending'",
    ).get() as { at: string | null };
    return row.at ? new Date(row.at) : null;
  }

  async recordWebhookAttempt(
    id: string,
    outcome: { delivered: true } | { delivered: false; error: string; retryAt: Date | null },
  ): Promise<void> {
    if (outcome.delivered) {
      this.#prepare(
        `UPDATE webhook_deliveries
           SET state = 'delivered', attempts = attempts + 1, last_error = NULL
           WHERE id = ?`,
      ).run(id);
      return;
    }
    this.#prepare(
      `UPDATE webhook_deliveries
         SET state = ?, attempts = attempts + 1, last_error = ?,
           next_attempt_at = COALESCE(?, next_attempt_at)
         WHERE id = ?`,
    ).run(
      outcome.retryAt ? 'pending' : 'failed',
      outcome.error,
      outcome.retryAt?.toISOString() ?? null,
      id,
    );
  }

  close(): void {
    this.#db.close();
  }

  /**
   * better-sqlite3 compiles a query when it is prepared, and the agent loop writes several events
   * a step, so each query is compiled on first use and its statement kept for the next.
   */
  #prepare(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #appendEvents(runId: string, lastSeq: number, drafts: EventDraft[]): RunEvent[] {
    if (drafts.length === 0) return [];
    const insert = this.#prepare(
      'INSERT INTO events (run_id, seq, type, created_at, data) VALUES (?, ?, ?, ?, ?)',
    );
    const createdAt = new Date().toISOString();
    const events = drafts.map((draft, offset) => {
      const event: RunEvent = {
        seq: lastSeq + offset + 1,
        type: draft.type,
        run_id: runId,
        created_at: createdAt,
        data: draft.data,
      };
      insert.run(runId, event.seq, event.type, createdAt, JSON.stringify(event.data));
      return event;
    });
    this.#prepare('UPDATE runs SET last_seq = ? WHERE id = ?').run(lastSeq + drafts.length, runId);
    return events;
  }

  #insertDelivery(runId: string, url: string, body: string): void {
    const now = new Date().toISOString();
    this.#prepare(
      `INSERT INTO webhook_deliveries
           (id, run_id, url, body, state, attempts, next_attempt_at, created_at)
         VALUES (?, ?, ?, ?, 'pending', 0, ?, ?)`,
    ).run(newId('whd'), runId, url, body, now, now);
  }
}
