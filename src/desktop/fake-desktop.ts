import sharp from 'sharp';
import type { Point } from '../actions/action.ts';
import { fitInside } from './coordinates.ts';
import {
  DesktopLostError,
  type ActionOutput,
  type Desktop,
  type Frame,
  type FrameSpec,
  type ScreenAction,
  type Size,
} from './desktop.ts';

/**
 * An in-memory screen for loop and API tests, and for `DESKPILOT_DESKTOP=fake`. It performs
 * nothing: it records the actions it was given, moves its pretend cursor, and draws a plain frame
 * whose shade changes with each action so that successive screenshots differ. It says so in every
 * frame's log line and machine listing; nothing here touches a real display.
 */
export class FakeDesktop implements Desktop {
  readonly performed: ScreenAction[] = [];
  readonly #size: Size;
  #cursor: Point = [0, 0];
  #lostListeners: ((reason: string) => void)[] = [];
  #lost: string | null = null;
  /** Milliseconds each action takes, so tests can catch a run between two actions. */
  actionDelayMs = 0;

  constructor(size: Size = { width: 1280, height: 800 }) {
    this.#size = size;
  }

  async size(): Promise<Size> {
    this.#throwIfLost();
    return this.#size;
  }

  async capture(spec: FrameSpec): Promise<Frame> {
    this.#throwIfLost();
    const sent = fitInside(this.#size, spec);
    const shade = 40 + ((this.performed.length * 23) % 180);
    const image = sharp({
      create: {
        width: sent.width,
        height: sent.height,
        channels: 3,
        background: { r: shade, g: 90, b: 140 },
      },
    });
    const encoded = spec.format === 'jpeg' ? image.jpeg({ quality: 80 }) : image.png();
    return {
      image: await encoded.toBuffer(),
      format: spec.format,
      screen: this.#size,
      sent,
      scale: sent.width / this.#size.width,
      capturedAt: new Date(),
    };
  }

  async perform(action: ScreenAction, spec: FrameSpec): Promise<ActionOutput> {
    this.#throwIfLost();
    if (this.actionDelayMs > 0) await new Promise((r) => setTimeout(r, this.actionDelayMs));
    this.#throwIfLost();

    this.performed.push(action);
    if ('coordinate' in action && action.coordinate) this.#cursor = action.coordinate;
    if (action.action === 'cursor_position') return { kind: 'cursor', position: this.#cursor };
    if (action.action === 'zoom') return { kind: 'image', frame: await this.capture(spec) };
    return { kind: 'none' };
  }

  async cursorPosition(): Promise<Point> {
    return this.#cursor;
  }

  onLost(listener: (reason: string) => void): void {
    this.#lostListeners.push(listener);
  }

  /** Pretends a person moved the pointer, as someone sharing the screen would. */
  movePointerByHand(position: Point): void {
    this.#cursor = position;
  }

  /** Pretends the display died, as a killed X server would. */
  loseDisplay(reason = 'the fake display was taken away'): void {
    this.#lost = reason;
    for (const listener of this.#lostListeners) listener(reason);
    this.#lostListeners = [];
  }

  async close(): Promise<void> {
    this.#lostListeners = [];
  }

  #throwIfLost(): void {
    if (this.#lost) throw new DesktopLostError(this.#lost);
  }
}
