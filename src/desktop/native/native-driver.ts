import { changesScreen, type Action, type Point } from '../../actions/action.ts';
import { ActionError } from '../../errors.ts';
import { normalizeRegion, regionToImage, type Region } from '../coordinates.ts';
import type { ActionOutput, Frame, FrameSpec, Size } from '../desktop.ts';
import type { CaptureBackend, WorkerSettings } from '../worker/protocol.ts';
import {
  encodeImageFrame,
  encodeRawFrame,
  encodeRawRegion,
  type RawImage,
} from './frame-encoder.ts';
import { parseKeySequence, type Chord } from './key-names.ts';
import { captureWithScreenshotDesktop } from './screenshot-desktop-capture.ts';
import { waitForSettle, type SettleOptions, type SettleResult } from './settle.ts';
import { planTyping } from './typing-plan.ts';
import { X11Clipboard, type ClipboardHooks } from './x11-clipboard.ts';

type Nut = typeof import('@nut-tree-fork/nut-js');
type ClickAction = Extract<Action, { action: `${string}_click` }>;

/**
 * NATIVE.md §3: the first character typed right after a focus-changing shortcut (Ctrl+L) is
 * sometimes lost at zero delay, and 150 ms was enough in every trial.
 */
const AFTER_SHORTCUT_MS = 150;
const SCREENSHOT_DESKTOP_TIMEOUT_MS = 10_000;
/** Text is typed in slices so that the worker still hears the daemon during a long string. */
const TYPE_SLICE = 64;

/**
 * Drives one display with nut-js: captures it and performs the action vocabulary on it. Runs
 * inside a desktop worker, never in the daemon: a dead display kills the process that touched it.
 */
export class NativeDriver {
  readonly #nut: Nut;
  readonly #settings: WorkerSettings;
  readonly #clipboard: X11Clipboard;

  private constructor(nut: Nut, settings: WorkerSettings, hooks: ClipboardHooks) {
    this.#nut = nut;
    this.#settings = settings;
    this.#clipboard = new X11Clipboard(hooks);
  }

  /** Loads nut-js; the caller has checked that the display answers, or this would crash. */
  static async load(settings: WorkerSettings, hooks: ClipboardHooks): Promise<NativeDriver> {
    const nut = await import('@nut-tree-fork/nut-js');
    // The defaults wait 300 ms per typed character and 100 ms before each click (NATIVE.md §3).
    nut.keyboard.config.autoDelayMs = 0;
    nut.mouse.config.autoDelayMs = 0;
    nut.mouse.config.mouseSpeed = 100_000;
    return new NativeDriver(nut, settings, hooks);
  }

  async size(): Promise<Size> {
    const { screen } = this.#nut;
    return { width: await screen.width(), height: await screen.height() };
  }

  async density(): Promise<number> {
    const raw = await this.#grab();
    return raw.width / (await this.size()).width;
  }

  async capture(spec: FrameSpec, backend: CaptureBackend = this.#settings.capture): Promise<Frame> {
    const screen = await this.size();
    if (backend === 'screenshot-desktop') {
      const image = await captureWithScreenshotDesktop(spec.format, SCREENSHOT_DESKTOP_TIMEOUT_MS);
      return encodeImageFrame(image, screen, spec);
    }
    return encodeRawFrame(await this.#grab(), screen, spec);
  }

  async cursor(): Promise<Point> {
    const position = await this.#nut.mouse.getPosition();
    return [position.x, position.y];
  }

  settle(options: Partial<SettleOptions> = {}): Promise<SettleResult> {
    return waitForSettle(async () => (await this.#grab()).data, {
      ...this.#settings.settle,
      ...options,
    });
  }

  async perform(action: Action, spec: FrameSpec): Promise<ActionOutput> {
    const output = await this.#act(action, spec);
    if (changesScreen(action)) await this.settle(this.#settleOverrides(action));
    return output;
  }

  async close(): Promise<void> {
    await this.#clipboard.close();
  }

  async #act(action: Action, spec: FrameSpec): Promise<ActionOutput> {
    switch (action.action) {
      case 'left_click':
      case 'right_click':
      case 'middle_click':
      case 'double_click':
      case 'triple_click':
        await this.#click(action);
        break;
      case 'mouse_move':
        await this.#moveTo(action.coordinate);
        break;
      case 'left_click_drag':
        await this.#withModifiers(action.text, () => this.#drag(action));
        break;
      case 'left_mouse_down':
      case 'left_mouse_up':
        await this.#toggleButton(action.action === 'left_mouse_down', action.coordinate);
        break;
      case 'scroll':
        await this.#withModifiers(action.text, () => this.#scroll(action));
        break;
      case 'type':
        await this.#type(action.text);
        break;
      case 'key':
        await this.#keys(parseKeySequence(action.text), action.repeat ?? 1);
        break;
      case 'hold_key':
        await this.#hold(parseKeySequence(action.text), action.duration);
        break;
      case 'wait':
        await sleep(action.duration * 1000);
        break;
      case 'zoom':
        return { kind: 'image', frame: await this.#zoom(action.region, spec) };
      case 'cursor_position':
        return { kind: 'cursor', position: await this.cursor() };
      case 'screenshot':
        break;
    }
    return { kind: 'none' };
  }

  /** Actions after which a focus change may still be on its way get a longer settle floor. */
  #settleOverrides(action: Action): Partial<SettleOptions> {
    if (action.action !== 'key') return {};
    const shortcut = parseKeySequence(action.text).some((chord) =>
      chord.some((key) => /Control|Alt|Super/.test(key)),
    );
    return shortcut ? { floorMs: Math.max(AFTER_SHORTCUT_MS, this.#settings.settle.floorMs) } : {};
  }

  async #click(action: ClickAction): Promise<void> {
    const { mouse, Button } = this.#nut;
    if (action.coordinate) await this.#moveTo(action.coordinate);
    const button =
      action.action === 'right_click'
        ? Button.RIGHT
        : action.action === 'middle_click'
          ? Button.MIDDLE
          : Button.LEFT;
    const count = action.action === 'double_click' ? 2 : action.action === 'triple_click' ? 3 : 1;
    // Separate clicks instead of nut-js doubleClick, which sleeps 200 ms inside libnut; apps count
    // clicks at one spot within their double-click time as one double or triple click.
    await this.#withModifiers(action.text, async () => {
      for (let i = 0; i < count; i += 1) await mouse.click(button);
    });
  }

  async #moveTo([x, y]: Point): Promise<void> {
    const { mouse, Point } = this.#nut;
    // setPosition jumps; move() steps pixel by pixel in a busy-wait that freezes the process.
    await mouse.setPosition(new Point(x, y));
  }

  /** A real press, a path of moves with the button down, and a release, as a hand would drag. */
  async #drag(action: Extract<Action, { action: 'left_click_drag' }>): Promise<void> {
    const { mouse, Button } = this.#nut;
    const from = action.start_coordinate ?? (await this.cursor());
    const to = action.coordinate;
    await this.#moveTo(from);
    await mouse.pressButton(Button.LEFT);
    try {
      const distance = Math.hypot(to[0] - from[0], to[1] - from[1]);
      const steps = Math.min(30, Math.max(5, Math.ceil(distance / 25)));
      for (let step = 1; step <= steps; step += 1) {
        await sleep(8);
        const t = step / steps;
        await this.#moveTo([
          Math.round(from[0] + (to[0] - from[0]) * t),
          Math.round(from[1] + (to[1] - from[1]) * t),
        ]);
      }
      await sleep(8);
    } finally {
      await mouse.releaseButton(Button.LEFT);
    }
  }

  async #toggleButton(down: boolean, coordinate: Point | undefined): Promise<void> {
    const { mouse, Button } = this.#nut;
    if (coordinate) await this.#moveTo(coordinate);
    if (down) await mouse.pressButton(Button.LEFT);
    else await mouse.releaseButton(Button.LEFT);
  }

  async #scroll(action: Extract<Action, { action: 'scroll' }>): Promise<void> {
    const { mouse } = this.#nut;
    if (action.coordinate) await this.#moveTo(action.coordinate);
    const amount = action.scroll_amount;
    if (amount === 0) return;
    switch (action.scroll_direction) {
      case 'up':
        return void (await mouse.scrollUp(amount));
      case 'down':
        return void (await mouse.scrollDown(amount));
      // nut-js has these two backwards on X11: scrollRight sends button 6, which scrolls left.
      case 'left':
        return void (await mouse.scrollRight(amount));
      case 'right':
        return void (await mouse.scrollLeft(amount));
    }
  }

  async #type(text: string): Promise<void> {
    const { keyboard } = this.#nut;
    for (const step of planTyping(text)) {
      if (step.kind === 'chord') {
        await this.#tap(step.keys);
      } else if (step.kind === 'paste') {
        await this.#clipboard.paste(step.text, () => this.#tap(['LeftShift', 'Insert']));
      } else {
        for (let at = 0; at < step.text.length; at += TYPE_SLICE) {
          await keyboard.type(step.text.slice(at, at + TYPE_SLICE));
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
    }
  }

  async #keys(chords: Chord[], repeat: number): Promise<void> {
    for (let i = 0; i < repeat; i += 1) {
      for (const chord of chords) await this.#tap(chord);
    }
  }

  async #hold(chords: Chord[], seconds: number): Promise<void> {
    const keys = chords.flat();
    await this.#press(keys);
    try {
      await sleep(seconds * 1000);
    } finally {
      await this.#release(keys);
    }
  }

  async #tap(keys: Chord): Promise<void> {
    await this.#press(keys);
    await this.#release(keys);
  }

  /** One key at a time: nut-js given several keys sends them as one key with modifier flags. */
  async #press(keys: Chord): Promise<void> {
    for (const key of keys) await this.#nut.keyboard.pressKey(this.#nut.Key[key]);
  }

  async #release(keys: Chord): Promise<void> {
    for (const key of [...keys].reverse()) await this.#nut.keyboard.releaseKey(this.#nut.Key[key]);
  }

  /** Runs `act` with the modifier keys in `text` (such as "shift" or "ctrl+shift") held down. */
  async #withModifiers(text: string | undefined, act: () => Promise<void>): Promise<void> {
    const keys = text ? modifierKeys(text) : [];
    await this.#press(keys);
    try {
      await act();
    } finally {
      await this.#release(keys);
    }
  }

  async #zoom(region: Region, spec: FrameSpec): Promise<Frame> {
    const screen = await this.size();
    const [left, top, right, bottom] = normalizeRegion(region, screen);
    const raw = await this.#grab();
    const device = regionToImage([left, top, right, bottom], raw.width / screen.width, raw);
    return encodeRawRegion(raw, device, { width: right - left, height: bottom - top }, spec);
  }

  async #grab(): Promise<RawImage> {
    const image = await this.#nut.screen.grab();
    return {
      data: image.data,
      width: image.width,
      height: image.height,
      byteWidth: image.byteWidth,
    };
  }
}

function modifierKeys(text: string): Chord {
  const chords = parseKeySequence(text);
  const keys = chords.flat();
  if (chords.length !== 1 || !keys.every((key) => /Shift|Control|Alt|Super/.test(key))) {
    throw new ActionError(
      'invalid_modifiers',
      `"${text}" is not a set of modifier keys; ` +
        'use names such as shift, ctrl, alt or super, joined by +',
    );
  }
  return keys;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
