import { FakeDesktop } from '../desktop/fake-desktop.ts';
import type { DisplayBackend, OpenedDisplay, VirtualMachineOptions } from './machine.ts';

/**
 * Machines made of `FakeDesktop`s, for tests and `DESKPILOT_DESKTOP=fake`. Their display names
 * start with `fake:` so that no listing can pass them off as real screens.
 */
export class FakeDisplayBackend implements DisplayBackend {
  readonly desktops: FakeDesktop[] = [];
  #count = 0;

  async openLocal(): Promise<OpenedDisplay> {
    return this.#open(1280, 800);
  }

  async startVirtual(options: VirtualMachineOptions): Promise<OpenedDisplay> {
    return this.#open(options.width, options.height);
  }

  async #open(width: number, height: number): Promise<OpenedDisplay> {
    const desktop = new FakeDesktop({ width, height });
    this.desktops.push(desktop);
    this.#count += 1;
    return {
      desktop,
      display: `fake:${this.#count}`,
      size: { width, height },
      stop: () => desktop.close(),
    };
  }
}
