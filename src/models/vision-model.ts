import type { Logger } from 'pino';
import type { Action } from '../actions/action.ts';
import type { ActionOutput, Frame, FrameSpec, Size } from '../desktop/desktop.ts';
import type { Usage } from '../runs/run.ts';

/** How one action of the previous turn went, in the order the model asked for them. */
export interface ActionResult {
  action: Action;
  status: 'ok' | 'error' | 'not_executed';
  /** Why it failed or was skipped, in words the model can act on. */
  error?: string;
  output?: ActionOutput;
}

/** What the agent sees at the start of a step. */
export interface Observation {
  frame: Frame;
  /** Results of every action the previous turn asked for; empty on the first step. */
  results: ActionResult[];
  /** The human's answer after the run waited for one, or a message sent with resume. */
  humanReply?: string;
  /** Why the verifier rejected the work the agent said was done. */
  verifierFeedback?: string;
  /** A note from the daemon itself, such as a warning that nothing has changed for a while. */
  notice?: string;
}

/** One model turn: what the model said and what it asked for. Actions use frame coordinates. */
export interface AgentTurn {
  text: string | null;
  actions: Action[];
  /** The agent declares the task finished. */
  done?: { summary: string };
  /** The agent needs a human before it can go on. */
  needsHuman?: { question: string };
  usage: Usage;
  costUsd: number;
  /** HTTP calls made for this turn, retries included. */
  modelCalls: number;
  /** Failed attempts that were retried, with why, so a step shows what the provider did. */
  retries: { status: number | null; message: string; delayMs: number }[];
}

export interface SessionInit {
  runId: string;
  task: string;
  /** The system prompt the run asked for, or null for the model's built-in one. */
  systemPrompt: string | null;
  instructions: string | null;
  screen: Size;
  /** Steps already taken when a session is rebuilt for a run that is resumed after a restart. */
  stepsTaken: number;
  /** When the run times out: retries that could not finish before it are not attempted. */
  deadlineAt: Date;
  log: Logger;
}

/** A conversation with a model for one run. Holds the history in the provider's own format. */
export interface AgentSession {
  next(observation: Observation, signal: AbortSignal): Promise<AgentTurn>;

  /** A cautious estimate in USD of the next call, so a budget is enforced before it is spent. */
  estimateNextCostUsd(observation: Observation): number;
}

export interface VerifyInput {
  task: string;
  frame: Frame;
  /** What the agent claims it did. */
  summary: string;
  signal: AbortSignal;
  deadlineAt: Date;
  log: Logger;
}

export interface VerifierVerdict {
  passed: boolean;
  reason: string;
  usage: Usage;
  costUsd: number;
  modelCalls: number;
}

/** A vision model a run can use, resolved from the run's `model` string. */
export interface VisionModel {
  /** `provider:name`, as the run names it. */
  readonly id: string;

  /** The frames this model wants for a screen of the given size. */
  frameSpec(screen: Size): FrameSpec;

  startSession(init: SessionInit): AgentSession;

  /** The v4 judge: a separate call that sees only the task, the summary and a fresh frame. */
  verify(input: VerifyInput): Promise<VerifierVerdict>;
}

export function zeroUsage(): Usage {
  return {
    input_tokens: 0,
    output_tokens: 0,
    cache_read_input_tokens: 0,
    cache_creation_input_tokens: 0,
  };
}
