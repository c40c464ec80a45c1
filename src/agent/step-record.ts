import { describeAction, type Action } from '../actions/action.ts';
import type { Frame } from '../desktop/desktop.ts';
import type { StepAction, StepRecord } from '../runs/step.ts';
import { zeroUsage } from '../models/vision-model.ts';

/** A step record as it starts: nothing captured, asked or done yet. */
export function newStepRecord(runId: string, index: number): StepRecord {
  return {
    run_id: runId,
    index,
    started_at: new Date().toISOString(),
    finished_at: null,
    screenshot_id: null,
    frame: null,
    model_text: null,
    done: null,
    needs_human: null,
    actions: [],
    usage: { ...zeroUsage(), cost_usd: 0, model_calls: 0 },
    retries: [],
    timings: { capture_ms: null, model_ms: null, actions_ms: null },
    verdict: null,
  };
}

/** An action as recorded before it runs, or when it never will, with `reason` saying why. */
export function pendingAction(index: number, action: Action, reason: string | null): StepAction {
  return {
    index,
    action,
    screen_action: null,
    description: describeAction(action),
    status: 'not_executed',
    error: reason,
    duration_ms: null,
    output: null,
  };
}

/** The sizes of a frame as events and steps report them. */
export function frameFacts(frame: Frame) {
  return {
    width: frame.sent.width,
    height: frame.sent.height,
    screen_width: frame.screen.width,
    screen_height: frame.screen.height,
    scale: frame.scale,
  };
}
