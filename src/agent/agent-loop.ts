import type { Logger } from 'pino';
import type { Action, Point } from '../actions/action.ts';
import { actionToScreen } from '../desktop/coordinates.ts';
import type { Desktop, Frame, FrameSpec } from '../desktop/desktop.ts';
import type { EventDraft } from '../events/event.ts';
import { isDeskpilotError, errorMessage, RunError } from '../errors.ts';
import { newId } from '../ids.ts';
import type {
  ActionResult,
  AgentSession,
  AgentTurn,
  Observation,
  VisionModel,
} from '../models/vision-model.ts';
import { InvalidStateError, type Ending, type RunLifecycle } from '../runs/lifecycle.ts';
import { addUsage, type AwaitingReason, type Run } from '../runs/run.ts';
import type { RunControl } from '../runs/run-control.ts';
import type { StepAction, StepRecord } from '../runs/step.ts';
import { ProgressWatch, type ProgressOptions } from './progress-watch.ts';
import { frameFacts, newStepRecord, pendingAction } from './step-record.ts';
import type { RunStore } from '../store/run-store.ts';

export interface AgentLoopOptions extends ProgressOptions {
  /**
   * Hand the screen to a person who moves the pointer while the agent works: the run waits in
   * `awaiting_human` (`user_input_detected`) instead of fighting them for it. On by default.
   */
  pauseOnUserInput?: boolean;
}

export const defaultLoopOptions: AgentLoopOptions = {
  noProgressWarnAfter: 3,
  noProgressFailAfter: 5,
};

export interface AgentLoopDeps {
  run: Run;
  lifecycle: RunLifecycle;
  store: RunStore;
  desktop: Desktop;
  model: VisionModel;
  /** The v4 judge: the run's own model, or the daemon's separate verifier model. */
  verifier: VisionModel;
  control: RunControl;
  log: Logger;
  options?: AgentLoopOptions;
  /** A message from the human that resumed the run, when the loop starts on a resume. */
  humanReply?: string | null;
}

/** A step as taken: the frame the model saw, its turn, and what became of the actions. */
interface TakenStep {
  frame: Frame;
  turn: AgentTurn;
  record: StepRecord;
  results: ActionResult[];
}

/** What the agent learns at the start of its next step, besides the new frame. */
type Carry = Omit<Observation, 'frame'>;

/**
 * Drives one run from its first step to its end: capture, ask the model, act, record, and decide
 * whether the run is done, needs a human, or goes on. Every decision about the run's state goes
 * through the lifecycle, which refuses it if the run was ended from outside (cancel, deadline), and
 * that refusal is how the loop learns it must stop.
 */
export class AgentLoop {
  readonly #deps: AgentLoopDeps;
  readonly #log: Logger;
  #run: Run;
  #session: AgentSession | null = null;
  #spec: FrameSpec | null = null;
  #verifierSpec: FrameSpec | null = null;
  readonly #progress: ProgressWatch;
  readonly #watchPointer: boolean;
  /** Where the agent's last actions left the pointer; null until it has acted. */
  #pointerLeftAt: Point | null = null;
  #lastVerdictFailed = false;

  constructor(deps: AgentLoopDeps) {
    this.#deps = deps;
    this.#progress = new ProgressWatch(deps.options ?? defaultLoopOptions);
    this.#watchPointer = deps.options?.pauseOnUserInput ?? true;
    this.#log = deps.log;
    this.#run = deps.run;
  }

  async run(): Promise<void> {
    try {
      await this.#loop();
    } catch (error) {
      await this.#endOnError(error);
    }
  }

  async #loop(): Promise<void> {
    const { desktop, model, verifier, control } = this.#deps;
    const screen = await desktop.size();
    this.#spec = model.frameSpec(screen);
    this.#verifierSpec = verifier.frameSpec(screen);
    this.#session = model.startSession({
      runId: this.#run.id,
      task: this.#run.task,
      systemPrompt: this.#run.system_prompt,
      instructions: this.#run.instructions,
      screen,
      stepsTaken: this.#run.steps_taken,
      deadlineAt: new Date(this.#run.deadline_at),
      log: this.#log,
    });

    let carry: Carry = { results: [] };
    if (this.#deps.humanReply) carry.humanReply = this.#deps.humanReply;

    for (;;) {
      const message = control.takeUnclaimedMessage();
      if (message) carry.humanReply = message;
      if (control.pauseRequested) carry = { ...carry, ...(await this.#waitForHuman(null)) };
      if (this.#run.steps_taken >= this.#run.max_steps) return this.#endAtStepLimit();

      const step = await this.#step(carry);
      const next = await this.#afterStep(step);
      if (next === 'ended') return;
      carry = next;
    }
  }

  async #step(carry: Carry): Promise<TakenStep> {
    const index = this.#run.steps_taken + 1;
    const record = newStepRecord(this.#run.id, index);
    await this.#record([{ type: 'step.started', data: { step: index } }]);

    const frame = await this.#capture(record);
    const observation: Observation = { frame, ...carry };
    this.#checkBudget(observation);

    const turn = await this.#ask(observation, record);
    const results = await this.#act(turn.actions, frame, record);
    await this.#completeStep(record);
    return { frame, turn, record, results };
  }

  async #capture(record: StepRecord): Promise<Frame> {
    const started = performance.now();
    const frame = await this.#deps.desktop.capture(this.#spec!);
    record.timings.capture_ms = Math.round(performance.now() - started);

    const id = await this.#saveFrame(frame, record.index);
    const facts = frameFacts(frame);
    record.screenshot_id = id;
    record.frame = facts;
    await this.#record([
      { type: 'step.screenshot', data: { step: record.index, screenshot_id: id, ...facts } },
    ]);
    return frame;
  }

  async #saveFrame(frame: Frame, step: number): Promise<string> {
    const id = newId('shot');
    await this.#deps.store.saveScreenshot(
      {
        id,
        run_id: this.#run.id,
        step,
        format: frame.format,
        ...frameFacts(frame),
        bytes: frame.image.length,
        created_at: frame.capturedAt.toISOString(),
      },
      frame.image,
    );
    return id;
  }

  #checkBudget(observation: Observation): void {
    const limit = this.#run.max_cost_usd;
    if (limit === null) return;
    const estimate = this.#session!.estimateNextCostUsd(observation);
    if (this.#run.usage.cost_usd + estimate > limit) {
      throw new RunError(
        'budget_exceeded',
        `the next model call (about $${estimate.toFixed(4)}) ` +
          `would take the run past its budget of $${limit}`,
      );
    }
  }

  async #ask(observation: Observation, record: StepRecord): Promise<AgentTurn> {
    const started = performance.now();
    const turn = await this.#session!.next(observation, this.#deps.control.signal);
    record.timings.model_ms = Math.round(performance.now() - started);

    record.model_text = turn.text;
    record.done = turn.done ?? null;
    record.needs_human = turn.needsHuman ?? null;
    record.usage = { ...turn.usage, cost_usd: turn.costUsd, model_calls: turn.modelCalls };
    record.retries = turn.retries.map((retry) => ({
      status: retry.status,
      message: retry.message,
      delay_ms: retry.delayMs,
    }));

    await this.#record(
      [
        {
          type: 'step.model',
          data: {
            step: record.index,
            text: turn.text,
            actions: turn.actions.length,
            done: record.done,
            needs_human: record.needs_human,
            usage: record.usage,
            retries: record.retries,
          },
        },
      ],
      (run) => ({ ...run, usage: addUsage(run.usage, turn.usage, turn.costUsd, turn.modelCalls) }),
    );
    this.#log.info(
      {
        step: record.index,
        actions: turn.actions.length,
        costUsd: turn.costUsd,
        modelMs: record.timings.model_ms,
      },
      'model answered',
    );

    const limit = this.#run.max_cost_usd;
    if (limit !== null && this.#run.usage.cost_usd > limit) {
      throw new RunError(
        'budget_exceeded',
        `the run spent $${this.#run.usage.cost_usd}, over its budget of $${limit}`,
      );
    }
    return turn;
  }

  async #act(actions: Action[], frame: Frame, record: StepRecord): Promise<ActionResult[]> {
    const started = performance.now();
    const results: ActionResult[] = [];
    let skipReason = actions.length > 0 ? await this.#handOverIfTouched() : null;

    for (const [index, action] of actions.entries()) {
      skipReason ??= this.#deps.control.pauseRequested
        ? 'the user paused the run before this action'
        : null;
      if (skipReason) {
        results.push({ action, status: 'not_executed', error: skipReason });
        record.actions.push(pendingAction(index, action, skipReason));
        continue;
      }
      const result = await this.#perform(index, action, frame, record);
      results.push(result);
      if (result.status === 'error') {
        skipReason = 'not executed: an earlier action in this turn failed';
      }
    }

    if (this.#watchPointer && results.some((result) => result.status !== 'not_executed')) {
      this.#pointerLeftAt = await this.#deps.desktop.cursorPosition();
    }
    record.timings.actions_ms = Math.round(performance.now() - started);
    return results;
  }

  /**
   * Someone moved the pointer away from where the agent left it while the model was thinking: a
   * person is using the screen. The run waits for them and the turn's actions are not performed.
   * Keys typed without moving the pointer go unnoticed.
   */
  async #handOverIfTouched(): Promise<string | null> {
    const left = this.#pointerLeftAt;
    if (!this.#watchPointer || left === null) return null;
    const now = await this.#deps.desktop.cursorPosition();
    if (now[0] === left[0] && now[1] === left[1]) return null;

    this.#log.info({ from: left, to: now }, 'someone else moved the pointer');
    const message = 'someone moved the pointer while the agent was working; resume to hand it back';
    await this.#awaitHuman('user_input_detected', message);
    this.#deps.control.requestPause();
    return 'a person took over the pointer before this action';
  }

  async #perform(
    index: number,
    action: Action,
    frame: Frame,
    record: StepRecord,
  ): Promise<ActionResult> {
    const step = record.index;
    const entry = pendingAction(index, action, null);
    record.actions.push(entry);

    let screenAction: Action;
    try {
      screenAction = actionToScreen(action, frame);
    } catch (error) {
      return this.#actionFailed(step, entry, action, error);
    }
    entry.screen_action = screenAction;

    await this.#record([
      {
        type: 'step.action',
        data: { step, index, action, screen_action: screenAction, description: entry.description },
      },
    ]);
    // The record above is refused once the run has ended, and nothing is awaited between it and
    // the call below, so a cancelled run never starts another action.
    this.#deps.control.signal.throwIfAborted();

    const started = performance.now();
    try {
      const output = await this.#deps.desktop.perform(screenAction, this.#spec!);
      entry.duration_ms = Math.round(performance.now() - started);
      entry.status = 'ok';
      if (output.kind === 'cursor') entry.output = { cursor: output.position };
      if (output.kind === 'image') {
        entry.output = { screenshot_id: await this.#saveFrame(output.frame, step) };
      }
      await this.#record([
        {
          type: 'step.action_result',
          data: {
            step,
            index,
            status: 'ok',
            error: null,
            duration_ms: entry.duration_ms,
            output: entry.output,
          },
        },
      ]);
      return { action, status: 'ok', output };
    } catch (error) {
      entry.duration_ms = Math.round(performance.now() - started);
      return this.#actionFailed(step, entry, action, error);
    }
  }

  async #actionFailed(
    step: number,
    entry: StepAction,
    action: Action,
    error: unknown,
  ): Promise<ActionResult> {
    // A lost display or a stopped run is not the action's fault: it ends the loop instead.
    if (!isDeskpilotError(error) || error instanceof RunError) throw error;
    entry.status = 'error';
    entry.error = error.message;
    await this.#record([
      {
        type: 'step.action_result',
        data: {
          step,
          index: entry.index,
          status: 'error',
          error: error.message,
          duration_ms: entry.duration_ms,
        },
      },
    ]);
    this.#log.info({ index: entry.index, code: error.code }, 'action failed');
    return { action, status: 'error', error: error.message };
  }

  async #completeStep(record: StepRecord): Promise<void> {
    record.finished_at = new Date().toISOString();
    await this.#deps.store.saveStep(record);
    const usage = { ...this.#run.usage, steps: record.index };
    await this.#record(
      [{ type: 'step.completed', data: { step: record.index, step_usage: record.usage, usage } }],
      (run) => ({
        ...run,
        steps_taken: record.index,
        usage: { ...run.usage, steps: record.index },
      }),
    );
  }

  async #afterStep(step: TakenStep): Promise<Carry | 'ended'> {
    const { turn, results } = step;
    const carry: Carry = { results };
    const notice = this.#progress.note(step.frame, turn.actions);
    if (notice) carry.notice = notice;

    if (turn.needsHuman) return { ...carry, ...(await this.#needsHuman(turn.needsHuman.question)) };
    if (turn.done) return this.#done(turn.done.summary, step.record, carry);
    if (this.#deps.control.pauseRequested) return { ...carry, ...(await this.#waitForHuman(null)) };
    return carry;
  }

  async #needsHuman(question: string): Promise<Partial<Carry> | never> {
    const policy = this.#run.on_awaiting_human;
    if (policy === 'fail') {
      throw new RunError('awaiting_human', `the agent asked for a human: ${question}`);
    }
    if (policy === 'cancel') {
      await this.#end({
        state: 'cancelled',
        error: { code: 'awaiting_human', message: `the agent asked for a human: ${question}` },
      });
      throw new LoopEnded();
    }
    return this.#waitForHuman(question);
  }

  /** Waits in `awaiting_human` until resumed; a null question means the user paused the run. */
  async #waitForHuman(question: string | null): Promise<Partial<Carry>> {
    const { control } = this.#deps;
    const waiting = control.waitForResume();
    if (question !== null) await this.#awaitHuman('agent_request', question);
    const reason = this.#run.awaiting_human?.reason ?? 'user_paused';
    this.#log.info({ reason }, 'waiting for a human');

    const message = await waiting;
    // The person may have left the pointer anywhere; that is where the agent starts from now.
    this.#pointerLeftAt = null;
    this.#run = (await this.#deps.store.getRun(this.#run.id)) ?? this.#run;
    return message ? { humanReply: message } : {};
  }

  async #awaitHuman(reason: AwaitingReason, message: string): Promise<void> {
    try {
      this.#run = await this.#deps.lifecycle.awaitHuman(this.#run.id, reason, message);
    } catch (error) {
      // The user paused the run while the model was thinking: it already waits for a human, and
      // the agent's question is in the step's model event for them to read.
      if (!(error instanceof InvalidStateError && error.state === 'awaiting_human')) throw error;
    }
  }

  async #done(summary: string, record: StepRecord, carry: Carry): Promise<Carry | 'ended'> {
    if (this.#run.cua_version === 'v3') {
      await this.#end({ state: 'succeeded', result: { summary, verdict: null } });
      return 'ended';
    }

    const verdict = await this.#verify(summary, record);
    if (verdict.passed) {
      await this.#end({ state: 'succeeded', result: { summary, verdict } });
      return 'ended';
    }
    this.#lastVerdictFailed = true;
    return { ...carry, verifierFeedback: verdict.reason };
  }

  async #verify(summary: string, record: StepRecord): Promise<{ passed: boolean; reason: string }> {
    const { desktop, verifier, control } = this.#deps;
    await this.#record([{ type: 'verification.started', data: { step: record.index } }]);

    const frame = await desktop.capture(this.#verifierSpec!);
    const screenshotId = await this.#saveFrame(frame, record.index);
    const verdict = await verifier.verify({
      task: this.#run.task,
      frame,
      summary,
      signal: control.signal,
      deadlineAt: new Date(this.#run.deadline_at),
      log: this.#log,
    });
    const outcome = { passed: verdict.passed, reason: verdict.reason };

    record.verdict = outcome;
    await this.#deps.store.saveStep(record);
    await this.#record(
      [
        {
          type: 'verification.completed',
          data: { step: record.index, ...outcome, screenshot_id: screenshotId },
        },
      ],
      (run) => ({
        ...run,
        usage: addUsage(run.usage, verdict.usage, verdict.costUsd, verdict.modelCalls),
      }),
    );
    this.#log.info(
      { step: record.index, passed: verdict.passed, verifier: verifier.id },
      'verifier answered',
    );
    return outcome;
  }

  #endAtStepLimit(): Promise<void> {
    const code = this.#lastVerdictFailed ? 'verification_failed' : 'max_steps_exceeded';
    const message = this.#lastVerdictFailed
      ? 'the verifier did not pass the result ' +
        `before the run reached max_steps (${this.#run.max_steps})`
      : `the run reached max_steps (${this.#run.max_steps}) before the agent said it was done`;
    return this.#end({ state: 'failed', error: { code, message } });
  }

  async #record(events: EventDraft[], update?: (run: Run) => Run): Promise<void> {
    const committed = await this.#deps.lifecycle.record(this.#run.id, events, update);
    this.#run = committed.run;
  }

  async #end(ending: Ending): Promise<void> {
    this.#run = await this.#deps.lifecycle.finish(this.#run.id, ending);
  }

  async #endOnError(error: unknown): Promise<void> {
    if (error instanceof LoopEnded) return;
    // Ended from outside (cancel, deadline, a lost machine): the run's state already says so.
    if (error instanceof InvalidStateError || this.#deps.control.signal.aborted) {
      this.#log.debug({ err: error }, 'agent loop stopped');
      return;
    }

    const failure =
      error instanceof RunError
        ? { code: error.code, message: error.message }
        : { code: 'internal_error' as const, message: 'the agent loop failed unexpectedly' };
    if (failure.code === 'internal_error') this.#log.error({ err: error }, 'agent loop failed');
    else this.#log.info({ code: failure.code, reason: errorMessage(error) }, 'run failed');

    try {
      await this.#end({ state: 'failed', error: failure });
    } catch (endError) {
      if (!(endError instanceof InvalidStateError)) throw endError;
    }
  }
}

/** Thrown to leave the loop once it has ended the run itself. */
class LoopEnded extends Error {}
