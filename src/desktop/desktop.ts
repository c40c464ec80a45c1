import type { Action, Point } from '../actions/action.ts';
import { RunError } from '../errors.ts';

export interface Size {
  width: number;
  height: number;
}

export type ImageFormat = 'png' | 'jpeg';

/**
 * What a model wants its screenshots to look like: the largest aspect-preserving size within
 * `maxWidth` × `maxHeight` (and `maxPixels`, when set), never larger than the screen.
 */
export interface FrameSpec {
  maxWidth: number;
  maxHeight: number;
  maxPixels?: number;
  format: ImageFormat;
}

/**
 * One captured screen as sent to a model. `scale` is `sent.width / screen.width`: a point in the
 * frame maps to the screen by dividing by it.
 */
export interface Frame {
  image: Buffer;
  format: ImageFormat;
  screen: Size;
  sent: Size;
  scale: number;
  capturedAt: Date;
}

/**
 * An action in screen pixels, as the desktop performs it. The agent loop produces these from the
 * model's actions and the frame the model saw.
 */
export type ScreenAction = Action;

export type ActionOutput =
  { kind: 'none' } | { kind: 'cursor'; position: Point } | { kind: 'image'; frame: Frame };

/**
 * A display the agent can see and drive. The real one is a worker process per display; tests use
 * the in-memory fake. Every method may reject with a `DesktopLostError` when the display is gone.
 */
export interface Desktop {
  size(): Promise<Size>;

  /** Captures the whole screen, shrunk and encoded as the spec asks. */
  capture(spec: FrameSpec): Promise<Frame>;

  /**
   * Performs one action given in screen pixels and resolves once the screen has settled. Zoom
   * answers with the region at full resolution fitted into `spec`.
   */
  perform(action: ScreenAction, spec: FrameSpec): Promise<ActionOutput>;

  cursorPosition(): Promise<Point>;

  /** Called once when the display dies under the desktop; later calls reject. */
  onLost(listener: (reason: string) => void): void;

  close(): Promise<void>;
}

/** The display is gone (its X server died, or the worker crashed): the run on it ends. */
export class DesktopLostError extends RunError {
  constructor(reason: string) {
    super('machine_lost', reason);
  }
}
