import type { Action, Point } from '../../actions/action.ts';
import type { ActionOutput, Frame, FrameSpec, Size } from '../desktop.ts';
import type { SettleOptions } from '../native/settle.ts';

/**
 * The messages between the daemon and a desktop worker, over Node's IPC channel with the
 * `advanced` serialization, so frames travel as bytes and not as base64 or JSON arrays.
 */

/** How a worker captures the screen: nut-js `screen.grab()` (fast) or screenshot-desktop. */
export type CaptureBackend = 'grab' | 'screenshot-desktop';

export interface WorkerSettings {
  capture: CaptureBackend;
  settle: SettleOptions;
}

export interface WorkerHello {
  display: string;
  size: Size;
  /** Device pixels per screen pixel: 1 on X11, 2 on a Retina display. */
  density: number;
  /** Whether characters outside ASCII can be typed (they go through the clipboard). */
  canPaste: boolean;
}

/** Every call the daemon can make, with its parameters and its result. */
export interface WorkerMethods {
  hello: { params: WorkerSettings; result: WorkerHello };
  size: { params: Record<string, never>; result: Size };
  capture: { params: { spec: FrameSpec; backend?: CaptureBackend }; result: Frame };
  perform: { params: { action: Action; spec: FrameSpec }; result: ActionOutput };
  cursor: { params: Record<string, never>; result: Point };
  /** Waits for the screen to settle, without acting; for measurements. */
  settle: { params: Record<string, never>; result: { settled: boolean; waitedMs: number } };
}

export type WorkerMethod = keyof WorkerMethods;

export interface WorkerRequest<M extends WorkerMethod = WorkerMethod> {
  type: 'request';
  id: number;
  method: M;
  params: WorkerMethods[M]['params'];
}

/** Why a call failed: the action's fault (the model is told) or the worker's. */
export interface WorkerFailure {
  kind: 'action' | 'internal';
  code: string;
  message: string;
}

export type WorkerResponse =
  | { type: 'response'; id: number; ok: true; result: unknown }
  | { type: 'response'; id: number; ok: false; error: WorkerFailure };

/**
 * What a worker says without being asked: its log lines, and the helper processes it starts
 * (clipboard owners), so that the daemon can stop them by PID even if the worker dies.
 */
export type WorkerNotice =
  | { type: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; fields: object; message: string }
  | { type: 'helper'; pid: number; running: boolean };

export type WorkerMessage = WorkerResponse | WorkerNotice;

export function isWorkerMessage(value: unknown): value is WorkerMessage {
  const type = (value as { type?: unknown } | null)?.type;
  return type === 'response' || type === 'log' || type === 'helper';
}

/** Exit code of a worker whose display did not answer, before nut-js was ever loaded. */
export const EXIT_NO_DISPLAY = 3;
