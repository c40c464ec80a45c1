import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The checkout's `bin/deskpilot`, run with the same Node as the tests. */
export const deskpilotBin = fileURLToPath(new URL('../../../bin/deskpilot', import.meta.url));

export interface DaemonProcess {
  url: string;
  home: string;
  apiKey: string;
  /** The environment a CLI needs to reach this daemon. */
  env: NodeJS.ProcessEnv;
  /** Writes a scripted model file and returns the model id for it. */
  script(name: string, script: unknown): string;
  stop(): Promise<void>;
}

/**
 * Starts `deskpilot serve` as a child process on a free loopback port, with in-memory machines and
 * a temporary data dir, and resolves once it listens.
 */
export async function startDaemon(extraEnv: NodeJS.ProcessEnv = {}): Promise<DaemonProcess> {
  const home = mkdtempSync(join(tmpdir(), 'deskpilot-test-'));
  const apiKey = `dp_test_${randomBytes(12).toString('hex')}`;
  const child = spawn(process.execPath, [deskpilotBin, 'serve', '--port', '0', '--json'], {
    env: {
      ...process.env,
      DESKPILOT_HOME: home,
      DESKPILOT_DESKTOP: 'fake',
      DESKPILOT_API_KEY: apiKey,
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await listeningUrl(child);

  return {
    url,
    home,
    apiKey,
    env: { DESKPILOT_URL: url, DESKPILOT_API_KEY: apiKey, DESKPILOT_HOME: home, NO_COLOR: '1' },
    script(name, script) {
      const path = join(home, `${name}.json`);
      writeFileSync(path, JSON.stringify(script));
      return `scripted:${path}`;
    },
    async stop() {
      await stopChild(child);
      rmSync(home, { recursive: true, force: true });
    },
  };
}

function listeningUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
    child.once('exit', (code) => reject(new Error(`the daemon exited with ${code}: ${stderr}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      if (entry.msg === 'daemon listening' && entry.url) resolve(entry.url);
    });
  });
}

/** Stops a child by its PID and waits for it; SIGKILL if it has not gone after five seconds. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A running `deskpilot` command whose output can be watched as it comes. */
export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  /** Resolves once stdout contains `text`. */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<void>;
  done: Promise<CliResult>;
}

export function spawnCli(args: string[], env: NodeJS.ProcessEnv): CliProcess {
  const child = spawn(process.execPath, [deskpilotBin, ...args], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: (() => void)[] = [];
  child.stdout!.on('data', (chunk) => {
    stdout += String(chunk);
    for (const check of waiters) check();
  });
  child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
  const done = new Promise<CliResult>((resolve) =>
    child.once('close', (code) => resolve({ code, stdout, stderr })),
  );

  return {
    child,
    stdout: () => stdout,
    done,
    waitFor(text, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no ${String(text)} in: ${stdout}${stderr}`)),
          timeoutMs,
        );
        const check = () => {
          if (typeof text === 'string' ? stdout.includes(text) : text.test(stdout)) {
            clearTimeout(timer);
            resolve();
          }
        };
        waiters.push(check);
        check();
      });
    },
  };
}

/** Runs `deskpilot <args>` to its end, with stdin closed. */
export function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  const cli = spawnCli(args, env);
  cli.child.stdin!.end();
  return cli.done;
}
