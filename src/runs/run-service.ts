import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { AgentLoop, type AgentLoopOptions } from '../agent/agent-loop.ts';
import {
  ConfigError,
  ConflictError,
  NotFoundError,
  UnavailableError,
  errorMessage,
} from '../errors.ts';
import { isTerminalEvent, type RunEvent } from '../events/event.ts';
import type { EventBus } from '../events/event-bus.ts';
import { newId } from '../ids.ts';
import { LOCAL_MACHINE_ID, type MachineRegistry } from '../machines/machine-registry.ts';
import type { ModelRegistry } from '../models/model-registry.ts';
import type { RunStore, ScreenshotMeta } from '../store/run-store.ts';
import type { StepRecord } from './step.ts';
import { DeadlineTimers } from './deadlines.ts';
import { InvalidStateError, type RunLifecycle } from './lifecycle.ts';
import { emptyUsage, isTerminal, type Run, type RunState } from './run.ts';
import { RunControl } from './run-control.ts';
import type { CreateRunInput } from './run-input.ts';

export interface RunServiceDeps {
  store: RunStore;
  lifecycle: RunLifecycle;
  bus: EventBus;
  machines: MachineRegistry;
  models: ModelRegistry;
  defaultModel: string;
  /** The model that judges v4 runs (`DESKPILOT_VERIFIER_MODEL`); null judges with the run's own. */
  verifierModel?: string | null;
  log: Logger;
  loopOptions?: AgentLoopOptions;
}

/**
 * What clients can do with runs, and the scheduling behind it: one run at a time per machine, the
 * rest queued in creation order; a deadline timer per unfinished run; and an agent loop per
 * running one. Every end of a run (cancel, deadline, a lost machine, the agent finishing) goes
 * through the lifecycle, and this service reacts to the terminal event: it stops the loop, if any,
 * and hands the machine to the next queued run.
 */
export class RunService {
  readonly #deps: RunServiceDeps;
  readonly #log: Logger;
  readonly #controls = new Map<string, RunControl>();
  readonly #loops = new Set<Promise<void>>();
  readonly #deadlines: DeadlineTimers;
  readonly #kicking = new Map<string, Promise<void>>();
  #stopping = false;

  constructor(deps: RunServiceDeps) {
    this.#deps = deps;
    this.#log = deps.log;
    this.#checkVerifierModel();
    this.#deadlines = new DeadlineTimers((runId) => void this.#expire(runId));
    deps.bus.subscribe((event) => this.#onEvent(event));
    deps.machines.onLost((machineId, reason) => void this.#onMachineLost(machineId, reason));
  }

  /** Picks up where a previous daemon on the same data dir left off. */
  async recover(): Promise<void> {
    const { store, lifecycle, machines } = this.#deps;
    const unfinished = await store.runsInStates(['queued', 'running', 'awaiting_human']);
    for (const run of unfinished) {
      if (run.state === 'running') {
        await lifecycle.finish(run.id, {
          state: 'failed',
          error: {
            code: 'daemon_stopped',
            message: 'the daemon stopped while this run was running',
          },
        });
      } else if (!machines.has(run.machine_id)) {
        await lifecycle.finish(run.id, {
          state: 'failed',
          error: {
            code: 'machine_lost',
            message: `machine ${run.machine_id} did not survive the daemon restart`,
          },
        });
      } else {
        if (run.state === 'awaiting_human') machines.hold(run.machine_id, run.id);
        this.#deadlines.arm(run.id, run.deadline_at);
      }
    }
    if (unfinished.length > 0) {
      this.#log.info({ runs: unfinished.length }, 'recovered unfinished runs');
    }
    this.#kick(LOCAL_MACHINE_ID);
  }

  async create(
    input: CreateRunInput,
    idempotencyKey?: string,
  ): Promise<{ run: Run; created: boolean }> {
    const { lifecycle, models } = this.#deps;
    const model = input.model ?? this.#deps.defaultModel;
    const bodyHash = createHash('sha256').update(JSON.stringify(input)).digest('hex');

    if (idempotencyKey !== undefined) {
      const earlier = await this.#findIdempotent(idempotencyKey, bodyHash);
      if (earlier) return { run: earlier, created: false };
    }
    models.resolve(model);
    await this.#checkMachine(input.machine_id);

    const now = new Date();
    const run: Run = {
      id: newId('run'),
      object: 'run',
      state: 'queued',
      machine_id: input.machine_id,
      task: input.task,
      cua_version: input.cua_version,
      model,
      max_steps: input.max_steps,
      deadline_seconds: input.deadline_seconds,
      on_awaiting_human: input.on_awaiting_human,
      instructions: input.instructions,
      system_prompt: input.system_prompt,
      max_cost_usd: input.max_cost_usd,
      webhook_url: input.webhook_url,
      metadata: input.metadata,
      steps_taken: 0,
      usage: emptyUsage(),
      awaiting_human: null,
      result: null,
      error: null,
      created_at: now.toISOString(),
      started_at: null,
      finished_at: null,
      deadline_at: new Date(now.getTime() + input.deadline_seconds * 1000).toISOString(),
    };
    await lifecycle.create(
      run,
      idempotencyKey === undefined ? undefined : { key: idempotencyKey, bodyHash },
    );
    this.#deadlines.arm(run.id, run.deadline_at);
    this.#kick(run.machine_id);
    return { run, created: true };
  }

  async get(id: string): Promise<Run> {
    const run = await this.#deps.store.getRun(id);
    if (!run) throw new NotFoundError('run_not_found', `no run with id ${id}`, { param: 'id' });
    return run;
  }

  list(filter: { state?: RunState; machineId?: string; limit: number; startingAfter?: string }) {
    return this.#deps.store.listRuns(filter);
  }

  async cancel(id: string): Promise<Run> {
    await this.get(id);
    return this.#deps.lifecycle.finish(id, { state: 'cancelled' });
  }

  async pause(id: string): Promise<Run> {
    const run = await this.get(id);
    if (run.state !== 'running') {
      throw new InvalidStateError(run, 'be paused, only a running run can');
    }
    const paused = await this.#deps.lifecycle.awaitHuman(id, 'user_paused', 'paused by the user');
    this.#controls.get(id)?.requestPause();
    return paused;
  }

  async resume(id: string, message: string | null): Promise<Run> {
    const run = await this.get(id);
    if (run.state !== 'awaiting_human') {
      throw new InvalidStateError(run, 'be resumed, only a run awaiting a human can');
    }
    const resumed = await this.#deps.lifecycle.resume(id, message);
    const control = this.#controls.get(id);
    // A run that waited across a daemon restart has no loop yet: it gets a new one here.
    if (control) control.resume(message);
    else this.#startLoop(resumed, message);
    return resumed;
  }

  async steps(id: string): Promise<StepRecord[]> {
    await this.get(id);
    return this.#deps.store.listSteps(id);
  }

  async screenshot(
    runId: string,
    screenshotId: string,
  ): Promise<{ meta: ScreenshotMeta; image: Buffer }> {
    await this.get(runId);
    const shot = await this.#deps.store.getScreenshot(runId, screenshotId);
    if (!shot) {
      throw new NotFoundError(
        'screenshot_not_found',
        `run ${runId} has no screenshot ${screenshotId}`,
        {
          param: 'screenshot_id',
        },
      );
    }
    return shot;
  }

  /**
   * Ends every running run as `daemon_stopped` and waits for the loops to let go. A run that
   * waits for a human keeps waiting in the store; the next daemon resumes it.
   */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#deadlines.clear();
    for (const [runId, control] of this.#controls) {
      const run = await this.#deps.store.getRun(runId);
      if (run?.state === 'running') {
        const message = 'the daemon stopped while this run was running';
        await this.#finishQuietly(runId, 'failed', 'daemon_stopped', message);
      }
      control.stop('the daemon is stopping');
    }
    await Promise.allSettled([...this.#loops]);
  }

  /** A judge that cannot be made (no key, no endpoint) stops the daemon before it listens. */
  #checkVerifierModel(): void {
    const spec = this.#deps.verifierModel;
    if (!spec) return;
    try {
      this.#deps.models.resolve(spec);
    } catch (error) {
      const message = `DESKPILOT_VERIFIER_MODEL cannot be used: ${errorMessage(error)}`;
      throw new ConfigError(message, { cause: error });
    }
  }

  async #findIdempotent(key: string, bodyHash: string): Promise<Run | null> {
    const earlier = await this.#deps.store.findIdempotencyKey(key);
    if (!earlier) return null;
    if (earlier.bodyHash !== bodyHash) {
      throw new ConflictError(
        'idempotency_key_reused',
        'this Idempotency-Key was already used with a different request body',
      );
    }
    return this.#deps.store.getRun(earlier.runId);
  }

  async #checkMachine(machineId: string): Promise<void> {
    const { machines } = this.#deps;
    machines.get(machineId);
    if (machineId === LOCAL_MACHINE_ID) await machines.openLocal();
    if (!machines.isUsable(machineId)) {
      const info = machines.get(machineId);
      throw new UnavailableError(
        'machine_unavailable',
        `machine ${machineId} is ${info.state} and cannot take runs`,
        {
          param: 'machine_id',
        },
      );
    }
  }

  /** Starts the oldest queued run of a machine if the machine is free; one attempt at a time. */
  #kick(machineId: string): void {
    if (this.#stopping) return;
    const previous = this.#kicking.get(machineId) ?? Promise.resolve();
    const next = previous
      .then(() => this.#startNext(machineId))
      .catch((error: unknown) =>
        this.#log.error({ err: error, machineId }, 'could not start the next run'),
      );
    this.#kicking.set(machineId, next);
  }

  async #startNext(machineId: string): Promise<void> {
    const { machines, store, lifecycle } = this.#deps;
    if (!machines.has(machineId) || machines.get(machineId).current_run_id) return;
    if (machineId === LOCAL_MACHINE_ID) await machines.openLocal();
    if (!machines.isUsable(machineId)) return;

    const queued = await store.oldestQueued(machineId);
    if (!queued) return;

    machines.hold(machineId, queued.id);
    try {
      this.#startLoop(await lifecycle.start(queued.id), null);
    } catch (error) {
      machines.hold(machineId, null);
      if (!(error instanceof InvalidStateError)) throw error;
      this.#kick(machineId);
    }
  }

  #startLoop(run: Run, humanReply: string | null): void {
    const { machines, models, store, lifecycle } = this.#deps;
    const control = new RunControl();
    this.#controls.set(run.id, control);
    machines.hold(run.machine_id, run.id);
    const log = this.#log.child({ runId: run.id });

    const loop = (async () => {
      if (run.machine_id === LOCAL_MACHINE_ID) await machines.openLocal();
      const desktop = machines.desktop(run.machine_id);
      const model = models.resolve(run.model);
      // Made per run, as the run's model is: a scripted judge plays its verdicts from the start.
      const judge = run.cua_version === 'v4' ? this.#deps.verifierModel : null;
      const verifier = judge ? models.resolve(judge) : model;
      const agent = new AgentLoop({
        run,
        lifecycle,
        store,
        desktop,
        model,
        verifier,
        control,
        log,
        humanReply,
        ...(this.#deps.loopOptions ? { options: this.#deps.loopOptions } : {}),
      });
      await agent.run();
    })()
      .catch(async (error: unknown) => {
        log.warn({ err: error }, 'run could not start');
        const code = error instanceof UnavailableError ? 'machine_lost' : 'model_error';
        await this.#finishQuietly(run.id, 'failed', code, errorMessage(error));
      })
      .finally(() => {
        this.#controls.delete(run.id);
        this.#loops.delete(loop);
        this.#release(run);
      });
    this.#loops.add(loop);
  }

  #release(run: Run): void {
    const { machines } = this.#deps;
    if (machines.has(run.machine_id) && machines.get(run.machine_id).current_run_id === run.id) {
      machines.hold(run.machine_id, null);
    }
    this.#kick(run.machine_id);
  }

  #onEvent(event: RunEvent): void {
    if (!isTerminalEvent(event)) return;
    const run = event.data['run'] as Run;
    this.#deadlines.disarm(run.id);
    const control = this.#controls.get(run.id);
    if (control) control.stop(`the run ended ${run.state}`);
    // Without a loop (queued, or waiting across a restart) nobody else gives the machine back.
    else this.#release(run);
  }

  async #expire(runId: string): Promise<void> {
    const run = await this.#deps.store.getRun(runId);
    if (!run || isTerminal(run.state)) return;
    await this.#finishQuietly(
      runId,
      'timed_out',
      'deadline_exceeded',
      `the run passed its deadline of ${run.deadline_seconds} seconds`,
    );
  }

  async #onMachineLost(machineId: string, reason: string): Promise<void> {
    const runs = await this.#deps.store.runsInStates(['queued', 'running', 'awaiting_human']);
    for (const run of runs) {
      if (run.machine_id !== machineId) continue;
      // The local display may come back, so its queue waits; a lost virtual machine never does.
      if (run.state === 'queued' && machineId === LOCAL_MACHINE_ID) continue;
      await this.#finishQuietly(
        run.id,
        'failed',
        'machine_lost',
        `the machine was lost: ${reason}`,
      );
    }
  }

  async #finishQuietly(
    runId: string,
    state: 'failed' | 'timed_out',
    code: 'daemon_stopped' | 'deadline_exceeded' | 'machine_lost' | 'model_error',
    message: string,
  ): Promise<void> {
    try {
      await this.#deps.lifecycle.finish(runId, { state, error: { code, message } });
    } catch (error) {
      if (!(error instanceof InvalidStateError)) throw error;
    }
  }
}
