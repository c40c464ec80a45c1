import type { Action } from '../actions/action.ts';
import type { Usage } from './run.ts';

/** An action as recorded: what the model asked for and where it landed on the screen. */
export interface StepAction {
  index: number;
  action: Action;
  /** The action with its coordinates in screen pixels; null when it could not be mapped. */
  screen_action: Action | null;
  description: string;
  status: 'ok' | 'error' | 'not_executed';
  error: string | null;
  duration_ms: number | null;
  /** What a `cursor_position` or `zoom` answered: a position, or the id of the zoomed image. */
  output: { cursor: [number, number] } | { screenshot_id: string } | null;
}

/** One model turn and the actions it asked for, as `GET /v1/runs/{id}/steps` returns it. */
export interface StepRecord {
  run_id: string;
  index: number;
  started_at: string;
  finished_at: string | null;
  screenshot_id: string | null;
  frame: {
    screen_width: number;
    screen_height: number;
    width: number;
    height: number;
    scale: number;
  } | null;
  model_text: string | null;
  done: { summary: string } | null;
  needs_human: { question: string } | null;
  actions: StepAction[];
  usage: Usage & { cost_usd: number; model_calls: number };
  retries: { status: number | null; message: string; delay_ms: number }[];
  timings: { capture_ms: number | null; model_ms: number | null; actions_ms: number | null };
  verdict: { passed: boolean; reason: string } | null;
}
