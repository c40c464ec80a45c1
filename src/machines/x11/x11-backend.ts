import type { Logger } from 'pino';
import { WorkerDesktop } from '../../desktop/worker/worker-desktop.ts';
import type { CaptureBackend } from '../../desktop/worker/protocol.ts';
import type { DisplayBackend, OpenedDisplay, VirtualMachineOptions } from '../machine.ts';
import { startVirtualDisplay } from './virtual-display.ts';

export interface X11BackendOptions {
  log: Logger;
  /** The daemon's own display, for the `local` machine; usually `$DISPLAY`. */
  localDisplay?: string | undefined;
  capture?: CaptureBackend;
  /** Prefix of virtual machines' temporary folders. */
  folderPrefix?: string;
}

/**
 * Real X11 displays: `local` is the display the daemon was started in, and virtual machines are
 * Xvfb screens it starts. Each display is driven by its own worker process.
 */
export class X11DisplayBackend implements DisplayBackend {
  readonly #options: X11BackendOptions;

  constructor(options: X11BackendOptions) {
    this.#options = options;
  }

  async openLocal(): Promise<OpenedDisplay> {
    const display = this.#options.localDisplay;
    if (!display) {
      throw new Error(
        'the daemon has no DISPLAY, so there is no local screen to drive; start it inside a ' +
          'desktop session, or create a virtual machine with POST /v1/machines',
      );
    }
    const desktop = await WorkerDesktop.start({ display, ...this.#common() });
    return { desktop, display, size: desktop.hello.size, stop: () => desktop.close() };
  }

  startVirtual(options: VirtualMachineOptions): Promise<OpenedDisplay> {
    const { folderPrefix } = this.#options;
    return startVirtualDisplay({
      ...options,
      ...this.#common(),
      ...(folderPrefix ? { folderPrefix } : {}),
    });
  }

  #common(): { log: Logger; capture?: CaptureBackend } {
    const { log, capture } = this.#options;
    return capture ? { log, capture } : { log };
  }
}
