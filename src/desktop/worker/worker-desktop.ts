import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import type { Action, Point } from '../../actions/action.ts';
import { ActionError, UnavailableError } from '../../errors.ts';
import {
  DesktopLostError,
  type ActionOutput,
  type Desktop,
  type Frame,
  type FrameSpec,
  type ScreenAction,
  type Size,
} from '../desktop.ts';
import { planTyping } from '../native/typing-plan.ts';
import { defaultSettleOptions, type SettleOptions } from '../native/settle.ts';
import {
  EXIT_NO_DISPLAY,
  isWorkerMessage,
  type CaptureBackend,
  type WorkerHello,
  type WorkerMessage,
  type WorkerMethod,
  type WorkerMethods,
  type WorkerRequest,
} from './protocol.ts';

export interface WorkerDesktopOptions {
  /** The X display the worker drives, such as `:7`. */
  display: string;
  log: Logger;
  /** The capture backend; `grab` unless a measurement or a platform asks for the other. */
  capture?: CaptureBackend;
  settle?: Partial<SettleOptions>;
  /** How long the worker may take to load nut-js and answer its first call. */
  startTimeoutMs?: number;
  /** What a call may take besides its own work before the worker counts as hung. */
  callMarginMs?: number;
  /** The worker's entry file; tests give a stand-in that misbehaves on purpose. */
  entry?: string;
}

interface Pending {
  method: WorkerMethod;
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

const WORKER_ENTRY = fileURLToPath(new URL('./worker-main.ts', import.meta.url));
/**
 * The worker is TypeScript run from source, so it starts with tsx's loader, taken from this
 * package's own dependencies (whatever started the daemon, and from whichever folder).
 */
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const STOP_GRACE_MS = 3000;
const DEFAULT_CALL_MARGIN_MS = 15_000;

/**
 * A display driven by a worker process (`worker-main.ts`). Every call is time-boxed: a worker that
 * exits, crashes or hangs is killed, every pending and later call rejects with
 * `DesktopLostError`, and the `onLost` listeners hear why, once. The daemon itself never loads a
 * native desktop library.
 */
export class WorkerDesktop implements Desktop {
  readonly display: string;
  readonly #child: ChildProcess;
  readonly #log: Logger;
  readonly #settle: SettleOptions;
  readonly #margin: number;
  readonly #pending = new Map<number, Pending>();
  readonly #helpers = new Set<number>();
  readonly #exited: Promise<void>;
  #lostListeners: ((reason: string) => void)[] = [];
  #hello: WorkerHello | null = null;
  #nextId = 1;
  #ended: string | null = null;
  #stderrTail = '';

  private constructor(child: ChildProcess, options: WorkerDesktopOptions, settle: SettleOptions) {
    this.display = options.display;
    this.#child = child;
    this.#log = options.log.child({ display: options.display, workerPid: child.pid });
    this.#settle = settle;
    this.#margin = options.callMarginMs ?? DEFAULT_CALL_MARGIN_MS;
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));

    child.on('message', (message: unknown) => {
      if (isWorkerMessage(message)) this.#onMessage(message);
    });
    child.once('exit', (code, signal) => this.#onExit(code, signal));
    child.stderr?.on('data', (chunk: Buffer) => {
      this.#stderrTail = (this.#stderrTail + chunk.toString()).slice(-2000);
    });
    child.stdout?.resume();
  }

  /** Starts a worker on the display and waits until it has checked the display and loaded. */
  static async start(options: WorkerDesktopOptions): Promise<WorkerDesktop> {
    const settle = { ...defaultSettleOptions, ...options.settle };
    const child = fork(options.entry ?? WORKER_ENTRY, [], {
      execArgv: ['--import', TSX_LOADER],
      env: { ...process.env, DISPLAY: options.display },
      serialization: 'advanced',
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const desktop = new WorkerDesktop(child, options, settle);
    try {
      desktop.#hello = await desktop.#call(
        'hello',
        { capture: options.capture ?? 'grab', settle },
        options.startTimeoutMs ?? 30_000,
      );
    } catch (error) {
      await desktop.close();
      throw error;
    }
    desktop.#log.info(
      { size: desktop.#hello.size, density: desktop.#hello.density },
      'desktop worker ready',
    );
    return desktop;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** What the worker found when it started: screen size, pixel density, clipboard support. */
  get hello(): WorkerHello {
    return this.#hello!;
  }

  size(): Promise<Size> {
    return this.#call('size', {}, this.#margin);
  }

  async capture(spec: FrameSpec, backend?: CaptureBackend): Promise<Frame> {
    const params = backend ? { spec, backend } : { spec };
    return asFrame(await this.#call('capture', params, this.#margin));
  }

  async perform(action: ScreenAction, spec: FrameSpec): Promise<ActionOutput> {
    const output = await this.#call('perform', { action, spec }, this.#budgetMs(action));
    if (output.kind === 'image') return { kind: 'image', frame: asFrame(output.frame) };
    return output;
  }

  cursorPosition(): Promise<Point> {
    return this.#call('cursor', {}, this.#margin);
  }

  /** Waits for the screen to settle without acting; the benchmark measures this. */
  settle(): Promise<{ settled: boolean; waitedMs: number }> {
    return this.#call('settle', {}, this.#margin + this.#settle.capMs);
  }

  /** Declares the display lost from outside, as when its X server died: the worker is stopped. */
  markLost(reason: string): void {
    this.#end(reason, true);
    this.#child.kill('SIGKILL');
    this.#killHelpers();
  }

  onLost(listener: (reason: string) => void): void {
    if (this.#ended === null) this.#lostListeners.push(listener);
  }

  /** Stops the worker: politely first (it stops its clipboard helpers), then by SIGKILL. */
  async close(): Promise<void> {
    this.#end('the desktop was closed', false);
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      if (this.#child.connected) this.#child.disconnect();
      const timer = setTimeout(() => this.#child.kill('SIGKILL'), STOP_GRACE_MS);
      await this.#exited;
      clearTimeout(timer);
    }
    this.#killHelpers();
  }

  #call<M extends WorkerMethod>(
    method: M,
    params: WorkerMethods[M]['params'],
    timeoutMs: number,
  ): Promise<WorkerMethods[M]['result']> {
    if (this.#ended !== null) return Promise.reject(new DesktopLostError(this.#ended));
    const id = this.#nextId++;
    const request: WorkerRequest<M> = { type: 'request', id, method, params };

    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const reason = `the desktop worker did not answer ${method} within ${timeoutMs} ms`;
        this.#log.warn({ method, timeoutMs }, 'desktop worker hung; killing it');
        this.#end(reason, true);
        this.#child.kill('SIGKILL');
      }, timeoutMs);
      this.#pending.set(id, { method, resolve: resolve as (v: unknown) => void, reject, timer });
      this.#child.send(request, (error) => {
        if (error) this.#settleCall(id, { ok: false, error: new DesktopLostError(error.message) });
      });
    });
  }

  /**
   * How long an action may take before the worker counts as hung: a margin, plus what the action
   * itself asks for (waits, held keys), plus its typing at a generous 5 ms a character and 3 s a
   * clipboard paste, plus the settle cap.
   */
  #budgetMs(action: Action): number {
    let budget = this.#margin + this.#settle.capMs;
    if (action.action === 'wait' || action.action === 'hold_key') budget += action.duration * 1000;
    if (action.action === 'key') budget += (action.repeat ?? 1) * 200;
    if (action.action === 'type') {
      const pastes = planTyping(action.text).filter((step) => step.kind === 'paste').length;
      budget += action.text.length * 5 + pastes * 3000;
    }
    return budget;
  }

  #onMessage(message: WorkerMessage): void {
    switch (message.type) {
      case 'response':
        if (message.ok) this.#settleCall(message.id, { ok: true, value: message.result });
        else this.#settleCall(message.id, { ok: false, error: toError(message.error) });
        return;
      case 'helper':
        if (message.running) this.#helpers.add(message.pid);
        else this.#helpers.delete(message.pid);
        return;
      case 'log':
        this.#log[message.level](message.fields, message.message);
        return;
    }
  }

  #settleCall(id: number, outcome: { ok: true; value: unknown } | { ok: false; error: Error }) {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    if (outcome.ok) pending.resolve(outcome.value);
    else pending.reject(outcome.error);
  }

  #onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.#killHelpers();
    if (this.#ended !== null) return;
    const reason = exitReason(code, signal, this.#stderrTail);
    this.#log.warn({ code, signal, stderr: this.#stderrTail.slice(-300) }, 'desktop worker exited');
    this.#end(reason, true);
  }

  /** Ends the desktop once: rejects what is pending, and tells listeners if it was lost. */
  #end(reason: string, lost: boolean): void {
    if (this.#ended !== null) return;
    this.#ended = reason;
    for (const [id] of this.#pending) {
      this.#settleCall(id, { ok: false, error: new DesktopLostError(reason) });
    }
    const listeners = this.#lostListeners;
    this.#lostListeners = [];
    if (lost) for (const listener of listeners) listener(reason);
  }

  /** Clipboard owners outlive a worker that was killed; they are stopped by the PIDs it gave. */
  #killHelpers(): void {
    for (const pid of this.#helpers) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
    }
    this.#helpers.clear();
  }
}

function toError(failure: { kind: string; code: string; message: string }): Error {
  if (failure.kind === 'action') return new ActionError(failure.code, failure.message);
  return new UnavailableError('desktop_error', `the desktop failed: ${failure.message}`);
}

function exitReason(code: number | null, signal: NodeJS.Signals | null, stderr: string): string {
  if (code === EXIT_NO_DISPLAY) return 'the X display does not answer';
  if (/XIO|X connection|broken pipe/i.test(stderr)) return 'the X server went away';
  if (signal) return `the desktop worker was killed by ${signal}`;
  return `the desktop worker exited with code ${code}`;
}

/** IPC delivers the image as a Uint8Array; the rest of the daemon expects a Buffer. */
function asFrame(frame: Frame): Frame {
  const image = frame.image as Uint8Array;
  return {
    ...frame,
    image: Buffer.isBuffer(image)
      ? image
      : Buffer.from(image.buffer, image.byteOffset, image.byteLength),
  };
}
