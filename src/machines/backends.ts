import type { DaemonConfig } from '../config.ts';
import { FakeDisplayBackend } from './fake-backend.ts';
import type { DisplayBackend } from './machine.ts';

/** The display backend the configuration asks for. */
export async function displayBackendFor(config: DaemonConfig): Promise<DisplayBackend> {
  if (config.desktop === 'fake') return new FakeDisplayBackend();
  throw new Error('real displays are not wired in yet; set DESKPILOT_DESKTOP=fake');
}
