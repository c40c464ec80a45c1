import type { Logger } from 'pino';
import type { DaemonConfig } from '../config.ts';
import { createLogger } from '../log.ts';
import { FakeDisplayBackend } from './fake-backend.ts';
import type { DisplayBackend } from './machine.ts';
import { machineFolderPrefix, markChildren, stopLeftovers } from './x11/leftovers.ts';
import { X11DisplayBackend } from './x11/x11-backend.ts';

/**
 * The display backend the configuration asks for. Real displays are X11 ones: the daemon's own
 * `$DISPLAY` as `local`, and Xvfb screens as virtual machines. Before it starts any, it stops
 * what a killed daemon on the same data dir left running.
 */
export async function displayBackendFor(
  config: DaemonConfig,
  log?: Logger,
): Promise<DisplayBackend> {
  if (config.desktop === 'fake') return new FakeDisplayBackend();

  const base = log ?? createLogger({ level: config.logLevel, format: config.logFormat });
  const desktopLog = base.child({ component: 'desktop' });
  await stopLeftovers(config.home, desktopLog);
  markChildren(config.home);
  return new X11DisplayBackend({
    log: desktopLog,
    localDisplay: process.env['DISPLAY'],
    capture: config.capture,
    folderPrefix: machineFolderPrefix(config.home),
  });
}
