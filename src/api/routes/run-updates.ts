import type { Context } from 'hono';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import type { Logger } from 'pino';
import type { RunEvent } from '../../events/event.ts';
import type { EventBus } from '../../events/event-bus.ts';
import { isTerminal } from '../../runs/run.ts';
import type { RunStore } from '../../store/run-store.ts';

export interface RunUpdatesOptions {
  /** Idle time after which a `: ping` comment keeps the connection open. */
  pingMs: number;
  /** The least time between two updates of the same run. */
  coalesceMs?: number;
}

interface RunUpdatesDeps {
  store: Pick<RunStore, 'getRun'>;
  bus: EventBus;
  log: Logger;
}

/** What one connection remembers of one run it has been told about. */
interface RunSlot {
  sentAt: number;
  timer: NodeJS.Timeout | null;
  created: boolean;
  sent: boolean;
}

/**
 * `GET /v1/events`: every change to every run, as the run's current object, for list views. Live
 * only: nothing is replayed, so a client opens the stream first and lists the runs after.
 */
export function runUpdatesHandler(deps: RunUpdatesDeps, options: RunUpdatesOptions) {
  return function runUpdates(c: Context) {
    c.header('cache-control', 'no-cache');
    c.header('x-accel-buffering', 'no');
    return streamSSE(c, (stream) => sendUpdates(stream, deps, options));
  };
}

async function sendUpdates(
  stream: SSEStreamingApi,
  deps: RunUpdatesDeps,
  options: RunUpdatesOptions,
): Promise<void> {
  const updates = new RunUpdates(stream, deps, options);
  // This runs before the response leaves, so a client that has the headers misses no change.
  const unsubscribe = deps.bus.subscribe((event) => updates.changed(event));
  try {
    await new Promise<void>((resolve) => stream.onAbort(resolve));
  } finally {
    unsubscribe();
    updates.stop();
  }
}

/**
 * Turns a connection's share of the bus into coalesced updates: the first change of a quiet run
 * is sent on the next tick, later ones wait until `coalesceMs` has passed since the last send.
 * Each send reads the run when it goes out, so the state after the last change always arrives.
 */
class RunUpdates {
  readonly #stream: SSEStreamingApi;
  readonly #deps: RunUpdatesDeps;
  readonly #coalesceMs: number;
  readonly #runs = new Map<string, RunSlot>();
  readonly #ping: NodeJS.Timeout;
  // Reads and writes go one after another, so a run's updates can never overtake each other.
  #queue: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(stream: SSEStreamingApi, deps: RunUpdatesDeps, options: RunUpdatesOptions) {
    this.#stream = stream;
    this.#deps = deps;
    this.#coalesceMs = options.coalesceMs ?? 250;
    this.#ping = setTimeout(() => this.#sendPing(), options.pingMs);
  }

  changed(event: RunEvent): void {
    const slot = this.#slot(event.run_id);
    if (event.type === 'run.created') slot.created = true;
    if (slot.timer) return;

    const wait = Math.max(0, slot.sentAt + this.#coalesceMs - performance.now());
    slot.timer = setTimeout(() => this.#flush(event.run_id, slot), wait);
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#ping);
    for (const slot of this.#runs.values()) if (slot.timer) clearTimeout(slot.timer);
    this.#runs.clear();
  }

  #slot(runId: string): RunSlot {
    let slot = this.#runs.get(runId);
    if (!slot) {
      slot = { sentAt: -Infinity, timer: null, created: false, sent: false };
      this.#runs.set(runId, slot);
    }
    return slot;
  }

  #flush(runId: string, slot: RunSlot): void {
    slot.timer = null;
    slot.sentAt = performance.now();
    this.#enqueue(() => this.#send(runId, slot));
  }

  async #send(runId: string, slot: RunSlot): Promise<void> {
    const run = await this.#deps.store.getRun(runId);
    if (!run || this.#stopped) return;
    const event = slot.created && !slot.sent ? 'run.created' : 'run.updated';
    slot.sent = true;
    await this.#stream.writeSSE({ event, data: JSON.stringify(run) });
    this.#ping.refresh();
    // A finished run never changes again, so the connection can forget it.
    if (isTerminal(run.state) && !slot.timer) this.#runs.delete(runId);
  }

  #sendPing(): void {
    this.#enqueue(() => this.#stream.write(': ping\n\n').then(() => undefined));
    this.#ping.refresh();
  }

  #enqueue(task: () => Promise<void>): void {
    this.#queue = this.#queue.then(async () => {
      if (this.#stopped) return;
      try {
        await task();
      } catch (error) {
        this.#deps.log.warn({ err: error }, 'a run update could not be sent');
      }
    });
  }
}
