import { terminalStates } from '../runs/run.ts';

export const eventTypes = [
  'run.created',
  'run.queued',
  'run.started',
  'run.awaiting_human',
  'run.resumed',
  'step.started',
  'step.screenshot',
  'step.model',
  'step.action',
  'step.action_result',
  'step.completed',
  'verification.started',
  'verification.completed',
  'run.succeeded',
  'run.failed',
  'run.cancelled',
  'run.timed_out',
] as const;

export type EventType = (typeof eventTypes)[number];

/** Each terminal state of a run has its event, named after it. */
export const terminalEventTypes: readonly EventType[] = terminalStates.map(
  (state) => `run.${state}` as const,
);

/** An event before the store gives it its sequence number and time. */
export interface EventDraft {
  type: EventType;
  data: Record<string, unknown>;
}

/** An event exactly as the API returns it. */
export interface RunEvent {
  seq: number;
  type: EventType;
  run_id: string;
  created_at: string;
  data: Record<string, unknown>;
}

export function isTerminalEvent(event: RunEvent): boolean {
  return terminalEventTypes.includes(event.type);
}
