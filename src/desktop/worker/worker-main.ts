/**
 * The entry of a desktop worker: a child process that owns one X display (its `DISPLAY`) and
 * answers the daemon's calls over IPC, one at a time, in order. Every native call happens here,
 * so that a dead X server, which makes Xlib exit the process, or a crash in native code, ends this
 * process and not the daemon.
 */
import { isDeskpilotError, errorMessage } from '../../errors.ts';
import { NativeDriver } from '../native/native-driver.ts';
import { X11Clipboard } from '../native/x11-clipboard.ts';
import { displayAnswers } from './display-check.ts';
import {
  EXIT_NO_DISPLAY,
  type WorkerFailure,
  type WorkerMessage,
  type WorkerMethod,
  type WorkerMethods,
  type WorkerRequest,
  type WorkerSettings,
} from './protocol.ts';

let driver: NativeDriver | null = null;
let queue: Promise<void> = Promise.resolve();
let stopping = false;

function send(message: WorkerMessage): void {
  if (process.connected) process.send!(message);
}

function log(level: 'debug' | 'info' | 'warn' | 'error', fields: object, message: string): void {
  send({ type: 'log', level, fields, message });
}

async function hello(settings: WorkerSettings): Promise<WorkerMethods['hello']['result']> {
  const display = process.env['DISPLAY'] ?? '';
  if (!display || !(await displayAnswers(display))) {
    // Loading nut-js now would segfault on its first call; say why and leave.
    log('warn', { display }, 'display does not answer');
    setImmediate(() => process.exit(EXIT_NO_DISPLAY));
    throw new Error(`the X display "${display}" does not answer`);
  }
  driver = await NativeDriver.load(settings, {
    helper: (pid, running) => send({ type: 'helper', pid, running }),
    debug: (fields, message) => log('debug', fields, message),
  });
  return {
    display,
    size: await driver.size(),
    density: await driver.density(),
    canPaste: X11Clipboard.available(),
  };
}

async function call(request: WorkerRequest): Promise<unknown> {
  if (request.method === 'hello') return hello(request.params as WorkerSettings);
  if (!driver) throw new Error('the worker was called before hello');
  const params = request.params as WorkerMethods[WorkerMethod]['params'];
  switch (request.method) {
    case 'size':
      return driver.size();
    case 'capture': {
      const { spec, backend } = params as WorkerMethods['capture']['params'];
      return driver.capture(spec, backend);
    }
    case 'perform': {
      const { action, spec } = params as WorkerMethods['perform']['params'];
      return driver.perform(action, spec);
    }
    case 'cursor':
      return driver.cursor();
    case 'settle':
      return driver.settle();
  }
}

async function answer(request: WorkerRequest): Promise<void> {
  try {
    const result = await call(request);
    send({ type: 'response', id: request.id, ok: true, result });
  } catch (error) {
    send({ type: 'response', id: request.id, ok: false, error: failure(error) });
  }
}

function failure(error: unknown): WorkerFailure {
  if (isDeskpilotError(error) && error.type === 'invalid_request_error') {
    return { kind: 'action', code: error.code, message: error.message };
  }
  return { kind: 'internal', code: 'worker_error', message: errorMessage(error) };
}

async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await driver?.close().catch(() => undefined);
  process.exit(0);
}

/**
 * Xlib only notices a dead X server on its next call, and then exits the process. A small call
 * every few seconds makes an idle worker notice too, so that its machine turns lost when its X
 * server dies and not when a run next needs it.
 */
const HEARTBEAT_MS = 2000;
setInterval(() => {
  if (!driver) return;
  const alive = driver;
  queue = queue.then(() =>
    alive.cursor().then(
      () => undefined,
      () => undefined,
    ),
  );
}, HEARTBEAT_MS).unref();

process.on('message', (message: unknown) => {
  const request = message as WorkerRequest;
  if (request?.type !== 'request') return;
  queue = queue.then(() => answer(request));
});

// The daemon went away (or closed the channel to stop this worker): nothing is left to serve.
process.on('disconnect', () => void stop());
process.on('SIGTERM', () => void stop());

// A library promise that nobody handles (screenshot-desktop's xrandr step) must not take the
// worker down; the call that started it times out instead.
process.on('unhandledRejection', (reason) => {
  log('warn', { reason: errorMessage(reason) }, 'unhandled rejection in the desktop worker');
});
