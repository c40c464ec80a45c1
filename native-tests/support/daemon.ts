import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { descendants, isAlive, killAll } from './processes.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const TERMINAL_STATES = ['succeeded', 'failed', 'cancelled', 'timed_out'];

/** The parts of the API's objects that the native tests read. */
export interface Machine {
  id: string;
  display: string | null;
  width: number;
  height: number;
  state: 'ready' | 'busy' | 'lost';
}

export interface Run {
  id: string;
  state: string;
  machine_id: string;
  steps_taken: number;
  error: { code: string; message: string } | null;
  result: { summary: string } | null;
  started_at: string | null;
  finished_at: string | null;
}

export interface ApiResponse<T> {
  status: number;
  body: T;
}

/**
 * A real daemon (`bin/deskpilot serve`) in its own process, on 127.0.0.1 and a free port, with a
 * fresh data dir, real X11 machines and no DISPLAY of its own (so `local` stays unopened).
 * `stop()` ends it and, by PID, anything it left behind.
 */
export class TestDaemon {
  readonly url: string;
  readonly apiKey: string;
  readonly home: string;
  readonly #child: ChildProcess;
  readonly #logs: string[];

  private constructor(
    child: ChildProcess,
    url: string,
    apiKey: string,
    home: string,
    logs: string[],
  ) {
    this.#child = child;
    this.url = url;
    this.apiKey = apiKey;
    this.home = home;
    this.#logs = logs;
  }

  static async start(options: { env?: Record<string, string> } = {}): Promise<TestDaemon> {
    const home = mkdtempSync(join(tmpdir(), 'deskpilot-native-home-'));
    const apiKey = `dp_test_${randomBytes(12).toString('hex')}`;
    // No DISPLAY unless the test gives one: `local` stays unopened instead of grabbing a screen.
    const { DISPLAY: _display, ...inherited } = process.env;
    const env: NodeJS.ProcessEnv = {
      ...inherited,
      DESKPILOT_HOME: home,
      DESKPILOT_HOST: '127.0.0.1',
      DESKPILOT_PORT: '0',
      DESKPILOT_API_KEY: apiKey,
      DESKPILOT_DESKTOP: 'real',
      DESKPILOT_LOG_FORMAT: 'json',
      DESKPILOT_LOG_LEVEL: 'debug',
      ...options.env,
    };
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'deskpilot'), 'serve'], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const logs: string[] = [];
    child.stderr!.on('data', (chunk: Buffer) => logs.push(chunk.toString()));
    const url = await listeningUrl(child, logs);
    return new TestDaemon(child, url, apiKey, home, logs);
  }

  get pid(): number {
    return this.#child.pid!;
  }

  /** Everything the daemon logged, one JSON line per entry, for failure messages. */
  logs(): string {
    return this.#logs.join('');
  }

  async request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<ApiResponse<T>> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.apiKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    const type = response.headers.get('content-type') ?? '';
    return {
      status: response.status,
      body: (type.includes('json') ? JSON.parse(text) : text) as T,
    };
  }

  /** Starts a virtual machine and returns it once it is ready; throws with the API's error. */
  async createMachine(spec: {
    width?: number;
    height?: number;
    window_manager?: 'none' | 'matchbox' | 'openbox';
    launch?: ({ command: string[] } | { browser: string })[];
  }): Promise<Machine> {
    const response = await this.request<Machine>('POST', '/v1/machines', spec);
    if (response.status !== 201) {
      throw new Error(`machine not created: ${response.status} ${JSON.stringify(response.body)}`);
    }
    return response.body;
  }

  /** Starts a run of a scripted model; `script` is written to a file of the daemon's home. */
  async createScriptedRun(machineId: string, script: object, task = 'scripted test'): Promise<Run> {
    const path = join(this.home, `script-${randomBytes(4).toString('hex')}.json`);
    writeFileSync(path, JSON.stringify(script, null, 2));
    const response = await this.request<Run>('POST', '/v1/runs', {
      task,
      machine_id: machineId,
      model: `scripted:${path}`,
      max_steps: 100,
    });
    if (response.status !== 201) {
      throw new Error(`run not created: ${response.status} ${JSON.stringify(response.body)}`);
    }
    return response.body;
  }

  async getRun(id: string): Promise<Run> {
    return (await this.request<Run>('GET', `/v1/runs/${id}`)).body;
  }

  /** Polls a run until `until` holds (by default: until it has ended). */
  async waitForRun(
    id: string,
    timeoutMs: number,
    until: (run: Run) => boolean = (run) => TERMINAL_STATES.includes(run.state),
  ): Promise<Run> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const run = await this.getRun(id);
      if (until(run)) return run;
      if (Date.now() > deadline) {
        throw new Error(
          `run ${id} still ${run.state} after ${timeoutMs} ms: ${JSON.stringify(run)}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** SIGTERM, then SIGKILL; then every process the daemon started that is still alive. */
  async stop(): Promise<void> {
    const started = descendants(this.pid);
    if (isAlive(this.pid)) {
      const exited = new Promise((resolve) => this.#child.once('exit', resolve));
      this.#child.kill('SIGTERM');
      const timer = setTimeout(() => this.#child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    killAll(started.filter(isAlive));
    rmSync(this.home, { recursive: true, force: true });
  }
}

function listeningUrl(child: ChildProcess, logs: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the daemon did not listen:\n${logs.join('')}`)),
      30_000,
    );
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      logs.push(`${line}\n`);
      const entry = parseJson(line);
      if (entry?.['msg'] === 'daemon listening' && typeof entry['url'] === 'string') {
        clearTimeout(timer);
        resolve(entry['url']);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the daemon exited with code ${code}:\n${logs.join('')}`));
    });
  });
}

function parseJson(line: string): Record<string, unknown> | null {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return null;
  }
}
