import type { RunFailureCode } from '../errors.ts';

export const runStates = [
  'queued',
  'running',
  'awaiting_human',
  'succeeded',
  'failed',
  'cancelled',
  'timed_out',
] as const;

export type RunState = (typeof runStates)[number];

export const terminalStates = [
  'succeeded',
  'failed',
  'cancelled',
  'timed_out',
] as const satisfies readonly RunState[];

export type TerminalState = (typeof terminalStates)[number];

export function isTerminal(state: RunState): state is TerminalState {
  return (terminalStates as readonly RunState[]).includes(state);
}

export type AwaitingReason = 'agent_request' | 'user_paused' | 'user_input_detected';

export interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
}

export interface RunUsage extends Usage {
  steps: number;
  model_calls: number;
  cost_usd: number;
}

export interface Verdict {
  passed: boolean;
  reason: string;
}

/** The run object exactly as the API returns it. */
export interface Run {
  id: string;
  object: 'run';
  state: RunState;
  machine_id: string;
  task: string;
  cua_version: 'v3' | 'v4';
  model: string;
  max_steps: number;
  deadline_seconds: number;
  on_awaiting_human: 'pause' | 'fail' | 'cancel';
  instructions: string | null;
  system_prompt: string | null;
  max_cost_usd: number | null;
  webhook_url: string | null;
  metadata: Record<string, string>;
  steps_taken: number;
  usage: RunUsage;
  awaiting_human: { reason: AwaitingReason; message: string; since: string } | null;
  result: { summary: string; verdict: Verdict | null } | null;
  error: { code: RunFailureCode; message: string } | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  deadline_at: string;
}

export function emptyUsage(): RunUsage {
  return {
    steps: 0,
    model_calls: 0,
    input_tokens: 0,
    output_tokens: 0,
    cache_read_input_tokens: 0,
    cache_creation_input_tokens: 0,
    cost_usd: 0,
  };
}

export function addUsage(total: RunUsage, turn: Usage, costUsd: number, calls: number): RunUsage {
  return {
    steps: total.steps,
    model_calls: total.model_calls + calls,
    input_tokens: total.input_tokens + turn.input_tokens,
    output_tokens: total.output_tokens + turn.output_tokens,
    cache_read_input_tokens: total.cache_read_input_tokens + turn.cache_read_input_tokens,
    cache_creation_input_tokens:
      total.cache_creation_input_tokens + turn.cache_creation_input_tokens,
    // Rounded to a millionth of a dollar so that sums of many small prices stay exact in JSON.
    cost_usd: Math.round((total.cost_usd + costUsd) * 1e6) / 1e6,
  };
}
