import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { WorkerDesktop } from '../../desktop/worker/worker-desktop.ts';
import type { CaptureBackend } from '../../desktop/worker/protocol.ts';
import type { OpenedDisplay, VirtualMachineOptions } from '../machine.ts';
import { launch } from './launch.ts';
import { OwnedProcess } from './owned-process.ts';
import { startXvfb } from './xvfb.ts';
import { pollUntil, windowManagerRunning } from './x11-tools.ts';

const WINDOW_MANAGER_TIMEOUT_MS = 5000;

const WINDOW_MANAGERS = {
  // One window at a time, maximised and focused, without a title bar: a kiosk.
  matchbox: ['matchbox-window-manager', '-use_titlebar', 'no'],
  // Click to focus and decorations, as on a real desktop.
  openbox: ['openbox'],
} as const;

export interface VirtualDisplayOptions extends VirtualMachineOptions {
  log: Logger;
  capture?: CaptureBackend;
  /** Prefix of the machine's temporary folder, so a later daemon can find it if this one dies. */
  folderPrefix?: string;
}

/**
 * A virtual machine: Xvfb, then the window manager (before any program, or it would move their
 * windows, NATIVE.md §8), then a desktop worker and the launched programs. Everything is owned by
 * PID and stopped in reverse: worker and its clipboard helpers, programs, window manager, Xvfb;
 * then the machine's folder goes. Xvfb dying on its own makes the desktop lost at once, even when
 * no call is under way to notice.
 */
export async function startVirtualDisplay(options: VirtualDisplayOptions): Promise<OpenedDisplay> {
  const home = mkdtempSync(join(tmpdir(), options.folderPrefix ?? 'deskpilot-vm-'));
  const processes: OwnedProcess[] = [];
  let starting: Promise<WorkerDesktop> | null = null;
  let stopping = false;

  const stop = async () => {
    stopping = true;
    const desktop = await starting?.catch(() => null);
    await desktop?.close();
    for (const owned of [...processes].reverse()) await owned.stop();
    rmSync(home, { recursive: true, force: true });
  };

  try {
    const size = { width: options.width, height: options.height };
    const xvfb = await startXvfb(size);
    processes.push(xvfb.process);
    const { display } = xvfb;
    const log = options.log.child({ display });

    if (options.windowManager !== 'none') {
      processes.push(await startWindowManager(options.windowManager, display));
    }
    starting = WorkerDesktop.start({
      display,
      log: options.log,
      ...(options.capture ? { capture: options.capture } : {}),
    });
    // Awaited below or by stop(); until then a failed start must not count as unhandled.
    starting.catch(() => undefined);
    for (const [index, item] of options.launch.entries()) {
      processes.push(await launch(item, index, { display, size, home, log }));
    }
    const desktop = await starting;
    // Programs paint after their window maps; the first frame should show them, not a blank.
    await desktop.settle();

    const xvfbProcess = xvfb.process;
    const opened = desktop;
    void xvfbProcess.exited.then((exit) => {
      if (!stopping) opened.markLost(`the X server ${display} exited (${describeExit(exit)})`);
    });
    log.info({ xvfbPid: xvfbProcess.pid, programs: options.launch.length }, 'virtual display up');
    return { desktop, display, size: desktop.hello.size, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function startWindowManager(
  kind: keyof typeof WINDOW_MANAGERS,
  display: string,
): Promise<OwnedProcess> {
  const [command, ...args] = WINDOW_MANAGERS[kind];
  const wm = OwnedProcess.start(kind, command, args, {
    env: { ...process.env, DISPLAY: display },
    group: true,
  });
  const ready = await pollUntil(
    async () => !wm.running || (await windowManagerRunning(display)),
    WINDOW_MANAGER_TIMEOUT_MS,
  );
  if (!wm.running || !ready) {
    await wm.stop();
    const why = wm.stderrTail.split('\n').slice(-2).join(' ') || 'it did not announce itself';
    throw new Error(`the ${kind} window manager did not start: ${why}`);
  }
  return wm;
}

function describeExit(exit: { code: number | null; signal: NodeJS.Signals | null }): string {
  return exit.signal ? `killed by ${exit.signal}` : `code ${exit.code}`;
}
