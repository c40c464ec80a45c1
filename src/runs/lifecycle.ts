import type { Logger } from 'pino';
import { ConflictError, type RunFailureCode } from '../errors.ts';
import type { EventDraft, RunEvent } from '../events/event.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { Idempotency, RunStore } from '../store/run-store.ts';
import {
  isTerminal,
  type AwaitingReason,
  type Run,
  type RunState,
  type TerminalState,
  type Verdict,
} from './run.ts';

const transitions: Record<RunState, readonly RunState[]> = {
  queued: ['running', 'cancelled', 'timed_out', 'failed'],
  running: ['awaiting_human', 'succeeded', 'failed', 'cancelled', 'timed_out'],
  awaiting_human: ['running', 'failed', 'cancelled', 'timed_out'],
  succeeded: [],
  failed: [],
  cancelled: [],
  timed_out: [],
};

export interface Ending {
  state: TerminalState;
  result?: { summary: string; verdict: Verdict | null };
  error?: { code: RunFailureCode; message: string };
}

/** Raised when a run is asked to do something its state does not allow. */
export class InvalidStateError extends ConflictError {
  readonly state: RunState;

  constructor(run: Run, wanted: string) {
    super('invalid_state', `run ${run.id} is ${run.state} and cannot ${wanted}`);
    this.state = run.state;
  }
}

/**
 * The only writer of run state. Each method is one store transaction that checks the transition,
 * updates the run and appends its events, then tells followers; so what clients see and what is
 * stored never disagree, and of two racing changes (a cancel and the agent finishing) exactly one
 * wins while the other gets an `InvalidStateError`.
 */
export class RunLifecycle {
  readonly #store: RunStore;
  readonly #bus: EventBus;
  readonly #log: Logger;

  constructor(store: RunStore, bus: EventBus, log: Logger) {
    this.#store = store;
    this.#bus = bus;
    this.#log = log;
  }

  async create(run: Run, idempotency?: Idempotency): Promise<Run> {
    const events = await this.#store.insertRun(
      {
        run,
        events: [
          { type: 'run.created', data: { run } },
          { type: 'run.queued', data: { machine_id: run.machine_id } },
        ],
      },
      idempotency,
    );
    this.#log.info({ runId: run.id, machineId: run.machine_id, state: run.state }, 'run created');
    this.#bus.publish(events);
    return run;
  }

  start(runId: string): Promise<Run> {
    return this.#transition(runId, 'running', 'start', (run, now) => ({
      run: { ...run, state: 'running', started_at: now },
      events: [{ type: 'run.started', data: { machine_id: run.machine_id } }],
    }));
  }

  awaitHuman(runId: string, reason: AwaitingReason, message: string): Promise<Run> {
    return this.#transition(runId, 'awaiting_human', 'wait for a human', (run, now) => ({
      run: { ...run, state: 'awaiting_human', awaiting_human: { reason, message, since: now } },
      events: [{ type: 'run.awaiting_human', data: { reason, message } }],
    }));
  }

  resume(runId: string, message: string | null): Promise<Run> {
    return this.#transition(runId, 'running', 'resume', (run) => ({
      run: { ...run, state: 'running', awaiting_human: null },
      events: [
        { type: 'run.resumed', data: { reason: run.awaiting_human?.reason ?? null, message } },
      ],
    }));
  }

  finish(runId: string, ending: Ending): Promise<Run> {
    return this.#transition(runId, ending.state, 'end', (run, now) => ({
      run: {
        ...run,
        state: ending.state,
        awaiting_human: null,
        result: ending.result ?? run.result,
        error: ending.error ?? null,
        finished_at: now,
      },
      events: [],
    }));
  }

  /**
   * Appends events that do not change the run's state (the steps of a running run), with an
   * optional change to the run object. Refused once the run has ended, which is how an agent loop
   * learns that it was cancelled or timed out under it.
   */
  async record(
    runId: string,
    events: EventDraft[],
    update: (run: Run) => Run = (run) => run,
  ): Promise<{ run: Run; events: RunEvent[] }> {
    const committed = await this.#store.updateRun(runId, (run) => {
      if (isTerminal(run.state)) throw new InvalidStateError(run, 'record new events');
      return { run: update(run), events };
    });
    this.#bus.publish(committed.events);
    return committed;
  }

  async #transition(
    runId: string,
    to: RunState,
    wanted: string,
    change: (run: Run, now: string) => { run: Run; events: EventDraft[] },
  ): Promise<Run> {
    const committed = await this.#store.updateRun(runId, (run) => {
      if (!transitions[run.state].includes(to)) throw new InvalidStateError(run, wanted);

      const next = change(run, new Date().toISOString());
      if (!isTerminal(to)) return next;

      const events: EventDraft[] = [...next.events, { type: `run.${to}`, data: { run: next.run } }];
      const url = next.run.webhook_url;
      if (!url) return { run: next.run, events };

      // The webhook body is the terminal event itself, which only has its seq once stored.
      const webhook = { url, body: (stored: RunEvent[]) => JSON.stringify(stored.at(-1)) };
      return { run: next.run, events, webhook };
    });

    const { run } = committed;
    this.#log.info(
      { runId, state: run.state, ...(run.error ? { code: run.error.code } : {}) },
      'run state changed',
    );
    this.#bus.publish(committed.events);
    return run;
  }
}
