import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Size } from '../../desktop/desktop.ts';
import type { LaunchItem } from '../machine.ts';
import { OWNER_VARIABLE } from './leftovers.ts';
import { OwnedProcess } from './owned-process.ts';
import { hasVisibleWindow, pollUntil } from './x11-tools.ts';

const WINDOW_TIMEOUT_MS = 20_000;

export interface LaunchContext {
  display: string;
  size: Size;
  /** A private folder of this machine, removed when it stops: browser profiles live here. */
  home: string;
  log: Logger;
}

/**
 * Starts one launch item on a virtual display and waits until its window shows. Programs run
 * without a shell, in their own process group (so stopping one stops what it started), with the
 * daemon's environment minus its own secrets.
 */
export async function launch(item: LaunchItem, index: number, context: LaunchContext) {
  // Chromium now and then dies while it sets up on a fresh display ("The platform failed to
  // initialize", seen once in about a hundred launches here under load); a second start, in a
  // fresh profile, is cheaper than a machine that fails to start.
  const attempts = 'browser' in item ? 2 : 1;
  for (let attempt = 1; ; attempt += 1) {
    const app = start(item, index, attempt, context);
    try {
      await waitForWindow(app, context);
      return app;
    } catch (error) {
      await app.stop();
      if (attempt >= attempts) throw error;
      context.log.warn({ app: app.name, err: error }, 'program died before showing a window');
    }
  }
}

function start(item: LaunchItem, index: number, attempt: number, context: LaunchContext) {
  const [command, args, env] =
    'browser' in item
      ? browserCommand(item.browser, `${index}-${attempt}`, context)
      : [item.command[0]!, item.command.slice(1), {}];
  return OwnedProcess.start(`launch[${index}] ${command}`, command, args, {
    env: { ...appEnvironment(), ...env, DISPLAY: context.display },
    group: true,
  });
}

/**
 * Debian's Chromium, kept local and quiet, filling the screen (NATIVE.md §8): `--test-type` hides
 * the infobar that would push the page 57 px down, the resolver rules stop a mistyped URL from
 * becoming a web search, and HOME and TMPDIR point into the machine's folder so that crash
 * reports and `org.chromium.*` folders go away with it.
 */
function browserCommand(
  url: string,
  name: string,
  context: LaunchContext,
): [string, string[], NodeJS.ProcessEnv] {
  const root = join(context.home, `browser-${name}`);
  const profile = join(root, 'profile');
  const tmp = join(root, 'tmp');
  mkdirSync(profile, { recursive: true });
  mkdirSync(tmp, { recursive: true });
  const args = [
    '--no-sandbox',
    '--test-type',
    '--no-first-run',
    '--no-default-browser-check',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--password-store=basic',
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
    `--user-data-dir=${profile}`,
    '--window-position=0,0',
    `--window-size=${context.size.width},${context.size.height}`,
    url,
  ];
  return ['chromium', args, { HOME: root, TMPDIR: tmp, XDG_CONFIG_HOME: join(root, 'config') }];
}

/**
 * The daemon's environment without its settings and keys: launched programs have no business
 * with them. The owner mark stays, so a later daemon can find what a killed one left running.
 */
function appEnvironment(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env)) {
    if (name === OWNER_VARIABLE) continue;
    if (name.startsWith('DESKPILOT_') || name.endsWith('_API_KEY')) delete env[name];
  }
  return env;
}

async function waitForWindow(app: OwnedProcess, context: LaunchContext): Promise<void> {
  const pid = app.pid;
  if (pid === undefined) {
    await app.exited;
    throw new Error(`${app.name} could not start: ${app.stderrTail || 'unknown reason'}`);
  }
  const shown = await pollUntil(
    async () => !app.running || (await hasVisibleWindow(context.display, pid)),
    WINDOW_TIMEOUT_MS,
    100,
  );
  if (!app.running) {
    const exit = app.exit!;
    // A setup command (xsetroot, xrdb) has done its work when it exits cleanly.
    if (exit.code === 0) return;
    const why = app.stderrTail.split('\n').slice(-2).join(' ') || 'no message';
    throw new Error(
      `${app.name} exited (code ${exit.code}, signal ${exit.signal}) ` +
        `before showing a window: ${why}`,
    );
  }
  if (!shown) {
    // Some programs never name their PID on a window; they may still be fine.
    context.log.warn({ app: app.name, pid }, 'launched program shows no window yet; going on');
  }
}
