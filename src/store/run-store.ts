import type { EventDraft, RunEvent } from '../events/event.ts';
import type { Run, RunState } from '../runs/run.ts';
import type { StepRecord } from '../runs/step.ts';

export interface ScreenshotMeta {
  id: string;
  run_id: string;
  step: number;
  format: 'png' | 'jpeg';
  width: number;
  height: number;
  screen_width: number;
  screen_height: number;
  scale: number;
  bytes: number;
  created_at: string;
}

export interface WebhookDelivery {
  id: string;
  run_id: string;
  url: string;
  body: string;
  attempts: number;
  next_attempt_at: string;
  state: 'pending' | 'delivered' | 'failed';
  last_error: string | null;
  created_at: string;
}

export interface RunListFilter {
  state?: RunState;
  machineId?: string;
  limit: number;
  startingAfter?: string;
}

/**
 * What a change to a run writes: the new run object, the events it appends and, for a terminal
 * change, the webhook delivery to make. All of it is committed together or not at all.
 */
export interface RunChange {
  run: Run;
  events: EventDraft[];
  webhook?: { url: string; body: (events: RunEvent[]) => string };
}

export interface Idempotency {
  key: string;
  bodyHash: string;
}

/**
 * Runs, their events, steps and screenshots, idempotency keys and webhook deliveries. The SQLite
 * store is the one implementation today; a shared PostgreSQL store for a fleet would be another.
 */
export interface RunStore {
  insertRun(change: RunChange, idempotency?: Idempotency): Promise<RunEvent[]>;
  findIdempotencyKey(key: string): Promise<{ bodyHash: string; runId: string } | null>;

  getRun(id: string): Promise<Run | null>;
  listRuns(filter: RunListFilter): Promise<{ runs: Run[]; hasMore: boolean }>;
  runsInStates(states: readonly RunState[]): Promise<Run[]>;
  oldestQueued(machineId: string): Promise<Run | null>;

  /**
   * Reads the run, lets `change` decide what to write, and commits it, all in one transaction.
   * Whatever `change` throws aborts the transaction and reaches the caller.
   */
  updateRun(id: string, change: (run: Run) => RunChange): Promise<{ run: Run; events: RunEvent[] }>;

  eventsAfter(runId: string, afterSeq: number, limit: number): Promise<RunEvent[]>;

  saveStep(step: StepRecord): Promise<void>;
  listSteps(runId: string): Promise<StepRecord[]>;

  saveScreenshot(meta: ScreenshotMeta, image: Buffer): Promise<void>;
  getScreenshot(runId: string, id: string): Promise<{ meta: ScreenshotMeta; image: Buffer } | null>;

  dueWebhookDeliveries(now: Date, limit: number): Promise<WebhookDelivery[]>;
  nextWebhookAttemptAt(): Promise<Date | null>;
  recordWebhookAttempt(
    id: string,
    outcome: { delivered: true } | { delivered: false; error: string; retryAt: Date | null },
  ): Promise<void>;

  close(): void;
}
