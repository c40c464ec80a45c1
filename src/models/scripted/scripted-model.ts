import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { actionSchema, type Point } from '../../actions/action.ts';
import { scaleAction } from '../../actions/scale.ts';
import type { Frame, FrameSpec, Size } from '../../desktop/desktop.ts';
import { InvalidRequestError, RunError } from '../../errors.ts';
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

const usageSchema = z.strictObject({
  input_tokens: z.number().int().min(0).default(0),
  output_tokens: z.number().int().min(0).default(0),
  cache_read_input_tokens: z.number().int().min(0).default(0),
  cache_creation_input_tokens: z.number().int().min(0).default(0),
});

const turnSchema = z.strictObject({
  text: z.string().optional(),
  actions: z.array(actionSchema).default([]),
  done: z.boolean().optional(),
  needs_human: z.string().optional(),
  /** What this turn pretends to have cost, so budgets can be exercised without a real model. */
  usage: usageSchema.optional(),
  cost_usd: z.number().min(0).optional(),
  /** Milliseconds to think before answering, as a slow model would; cancel cuts it short. */
  delay_ms: z.number().int().min(0).max(600_000).optional(),
});

export const scriptSchema = z.strictObject({
  /** The frame the coordinates were written for; without it they are screen pixels. */
  frame: z
    .strictObject({ width: z.number().int().positive(), height: z.number().int().positive() })
    .optional(),
  turns: z.array(turnSchema),
  verdicts: z.array(z.strictObject({ passed: z.boolean(), reason: z.string() })).default([]),
});

export type Script = z.infer<typeof scriptSchema>;
type ScriptTurn = Script['turns'][number];

/** Reads and checks a script file, naming the file and the first problem when it is not one. */
export function loadScript(path: string): Script {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(resolve(path), 'utf8'));
  } catch (error) {
    const reason = error instanceof SyntaxError ? 'is not valid JSON' : 'cannot be read';
    throw new InvalidRequestError('invalid_field', `the scripted model file ${path} ${reason}`, {
      param: 'model',
    });
  }
  const parsed = scriptSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || 'its top level';
    throw new InvalidRequestError(
      'invalid_field',
      `the scripted model file ${path} is not a valid script at ${where}: ${issue?.message}`,
      { param: 'model' },
    );
  }
  return parsed.data;
}

/**
 * `scripted:<path>`: turns read from a JSON file and played in order, one per step. It is a real,
 * user-facing model: runs are reproduced with it, the offline demo uses it, and it costs nothing
 * unless the script says otherwise.
 */
export class ScriptedModel implements VisionModel {
  readonly id: string;
  readonly #script: Script;
  #verdictsGiven = 0;

  constructor(id: string, script: Script) {
    this.id = id;
    this.#script = script;
  }

  frameSpec(screen: Size): FrameSpec {
    const box = this.#script.frame ?? screen;
    return { maxWidth: box.width, maxHeight: box.height, format: 'png' };
  }

  startSession(init: SessionInit): AgentSession {
    return new ScriptedSession(this.#script, init.stepsTaken);
  }

  async verify(input: VerifyInput): Promise<VerifierVerdict> {
    const verdict = this.#script.verdicts[this.#verdictsGiven];
    this.#verdictsGiven += 1;
    if (!verdict) {
      throw new RunError('model_error', 'the script has no verdict left for the verifier');
    }
    input.log.debug({ passed: verdict.passed }, 'scripted verdict');
    return { ...verdict, usage: zeroUsage(), costUsd: 0, modelCalls: 1 };
  }
}

class ScriptedSession implements AgentSession {
  readonly #script: Script;
  #next: number;

  constructor(script: Script, stepsTaken: number) {
    this.#script = script;
    this.#next = stepsTaken;
  }

  estimateNextCostUsd(): number {
    return this.#script.turns[this.#next]?.cost_usd ?? 0;
  }

  async next(observation: Observation, signal: AbortSignal): Promise<AgentTurn> {
    const turn = this.#script.turns[this.#next];
    if (!turn) {
      throw new RunError(
        'model_error',
        `the script ran out of turns after ${this.#script.turns.length} without saying it is done`,
      );
    }
    this.#next += 1;
    if (turn.delay_ms) await abortableDelay(turn.delay_ms, signal);
    return this.#toAgentTurn(turn, observation.frame);
  }

  #toAgentTurn(turn: ScriptTurn, frame: Frame): AgentTurn {
    const scriptFrame = this.#script.frame ?? frame.screen;
    const scale: Point = [
      frame.sent.width / scriptFrame.width,
      frame.sent.height / scriptFrame.height,
    ];
    return {
      text: turn.text ?? null,
      actions: turn.actions.map((action) => scaleAction(action, ...scale)),
      ...(turn.done ? { done: { summary: turn.text ?? '' } } : {}),
      ...(turn.needs_human !== undefined ? { needsHuman: { question: turn.needs_human } } : {}),
      usage: { ...zeroUsage(), ...turn.usage },
      costUsd: turn.cost_usd ?? 0,
      modelCalls: 1,
      retries: [],
    };
  }
}

export function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
