import { scaleAction } from '../../actions/scale.ts';
import type { FrameSpec, Size } from '../../desktop/desktop.ts';
import { InvalidRequestError, RunError } from '../../errors.ts';
import type { StepRecord } from '../../runs/step.ts';
import type { RunStore } from '../../store/run-store.ts';
import type { ModelProvider } from '../model-registry.ts';
import type {
  AgentSession,
  AgentTurn,
  Observation,
  SessionInit,
  VerifierVerdict,
  VerifyInput,
  VisionModel,
} from '../vision-model.ts';
import { zeroUsage } from '../vision-model.ts';

/** `replay:<run id>`: the model turns of an earlier run, played again on the current screen. */
export function replayProvider(store: RunStore): ModelProvider {
  return {
    name: 'replay',
    create(runId) {
      if (!/^run_[0-9a-z]+$/.test(runId)) {
        throw new InvalidRequestError('invalid_field', `replay:${runId} does not name a run id`, {
          param: 'model',
        });
      }
      return new ReplayModel(runId, store);
    },
  };
}

/**
 * Replays what an earlier run's model said, step by step: its text, its actions, its done and
 * its questions, and its verdicts for the v4 verifier. Actions were recorded in the frame that
 * model saw and are rescaled to the frame of this run, so a replay works on a screen of another
 * size. The run is read when the first turn is needed; an unknown run fails with `model_error`.
 */
export class ReplayModel implements VisionModel {
  readonly id: string;
  readonly #runId: string;
  readonly #store: RunStore;
  #steps: Promise<StepRecord[]> | null = null;
  #verdictsGiven = 0;

  constructor(runId: string, store: RunStore) {
    this.id = `replay:${runId}`;
    this.#runId = runId;
    this.#store = store;
  }

  frameSpec(screen: Size): FrameSpec {
    return { maxWidth: screen.width, maxHeight: screen.height, format: 'png' };
  }

  startSession(init: SessionInit): AgentSession {
    return new ReplaySession(() => this.steps(), init.stepsTaken);
  }

  async verify(input: VerifyInput): Promise<VerifierVerdict> {
    const verdicts = (await this.steps()).flatMap((step) => (step.verdict ? [step.verdict] : []));
    const verdict = verdicts[this.#verdictsGiven];
    this.#verdictsGiven += 1;
    if (!verdict) {
      throw new RunError(
        'model_error',
        `run ${this.#runId} has no recorded verdict left to replay`,
      );
    }
    input.log.debug({ passed: verdict.passed }, 'replayed verdict');
    return { ...verdict, usage: zeroUsage(), costUsd: 0, modelCalls: 0 };
  }

  steps(): Promise<StepRecord[]> {
    this.#steps ??= this.#load();
    return this.#steps;
  }

  async #load(): Promise<StepRecord[]> {
    const run = await this.#store.getRun(this.#runId);
    if (!run) throw new RunError('model_error', `there is no run ${this.#runId} to replay`);
    const steps = await this.#store.listSteps(this.#runId);
    return steps.sort((a, b) => a.index - b.index);
  }
}

class ReplaySession implements AgentSession {
  readonly #steps: () => Promise<StepRecord[]>;
  #next: number;

  constructor(steps: () => Promise<StepRecord[]>, stepsTaken: number) {
    this.#steps = steps;
    this.#next = stepsTaken;
  }

  /** A replay calls no model and costs nothing. */
  estimateNextCostUsd(): number {
    return 0;
  }

  async next(observation: Observation, signal: AbortSignal): Promise<AgentTurn> {
    signal.throwIfAborted();
    const steps = await this.#steps();
    const step = steps[this.#next];
    if (!step) {
      throw new RunError(
        'model_error',
        `the replayed run has no more model turns after ${steps.length} steps`,
      );
    }
    this.#next += 1;

    const recorded = step.frame ?? observation.frame.sent;
    const actions = step.actions.map((entry) =>
      scaleAction(
        entry.action,
        observation.frame.sent.width / recorded.width,
        observation.frame.sent.height / recorded.height,
      ),
    );
    return {
      text: step.model_text,
      actions,
      ...(step.done ? { done: step.done } : {}),
      ...(step.needs_human ? { needsHuman: step.needs_human } : {}),
      usage: zeroUsage(),
      costUsd: 0,
      modelCalls: 0,
      retries: [],
    };
  }
}
