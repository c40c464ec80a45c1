import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentLoopOptions } from '../agent/agent-loop.ts';
import { loadConfig, type DaemonConfig } from '../config.ts';
import { createDaemon, type Daemon } from '../daemon.ts';
import type { RunEvent } from '../events/event.ts';
import { silentLogger, type Logger } from '../log.ts';
import { FakeDisplayBackend } from '../machines/fake-backend.ts';
import type { ModelProvider } from '../models/model-registry.ts';
import { scriptedProvider } from '../models/scripted/index.ts';
import type { Run } from '../runs/run.ts';
import type { WebhookSenderOptions } from '../webhooks/webhook-sender.ts';

export const testApiKey = 'dp_test_key';

export interface HarnessOptions {
  home?: string;
  providers?: ModelProvider[];
  loopOptions?: AgentLoopOptions;
  webhooks?: Omit<WebhookSenderOptions, 'secret'>;
  pingMs?: number;
  backend?: FakeDisplayBackend;
  log?: Logger;
  /** More daemon settings, read as the environment would be, such as DESKPILOT_VERIFIER_MODEL. */
  env?: Record<string, string>;
}

/**
 * A whole daemon on a temporary data dir with in-memory fake displays and the scripted model, for
 * tests that drive the API through `request` (no socket) or `listen` (a real one on 127.0.0.1).
 */
export class DaemonHarness {
  readonly home: string;
  readonly daemon: Daemon;
  readonly backend: FakeDisplayBackend;
  readonly config: DaemonConfig;
  readonly #ownsHome: boolean;
  #scriptCount = 0;

  constructor(options: HarnessOptions = {}) {
    this.#ownsHome = options.home === undefined;
    this.home = options.home ?? mkdtempSync(join(tmpdir(), 'deskpilot-test-'));
    this.backend = options.backend ?? new FakeDisplayBackend();
    this.config = loadConfig(
      { home: this.home, host: '127.0.0.1', port: 0 },
      {
        DESKPILOT_API_KEY: testApiKey,
        DESKPILOT_DESKTOP: 'fake',
        DESKPILOT_MODEL: 'scripted:none.json',
        ...options.env,
      },
    );
    this.daemon = createDaemon({
      config: this.config,
      log: options.log ?? silentLogger(),
      backend: this.backend,
      providers: [scriptedProvider(), ...(options.providers ?? [])],
      ...(options.loopOptions ? { loopOptions: options.loopOptions } : {}),
      ...(options.webhooks ? { webhooks: options.webhooks } : {}),
      ...(options.pingMs ? { pingMs: options.pingMs } : {}),
    });
  }

  static async start(options: HarnessOptions = {}): Promise<DaemonHarness> {
    const harness = new DaemonHarness(options);
    await harness.daemon.start();
    return harness;
  }

  /** Writes a scripted model file into the data dir and returns its `model` string. */
  script(script: unknown): string {
    this.#scriptCount += 1;
    const path = join(this.home, `script-${this.#scriptCount}.json`);
    writeFileSync(path, JSON.stringify(script));
    return `scripted:${path}`;
  }

  request(path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (!headers.has('authorization') && !headers.has('x-api-key')) {
      headers.set('authorization', `Bearer ${testApiKey}`);
    }
    let body = init.body;
    if (init.json !== undefined) {
      headers.set('content-type', 'application/json');
      body = JSON.stringify(init.json);
    }
    const { json: _json, ...rest } = init;
    return Promise.resolve(this.daemon.app.request(path, { ...rest, headers, body: body ?? null }));
  }

  async createRun(fields: Record<string, unknown>): Promise<Run> {
    const response = await this.request('/v1/runs', { method: 'POST', json: fields });
    const body = (await response.json()) as Run;
    if (response.status !== 201) throw new Error(`create failed: ${JSON.stringify(body)}`);
    return body;
  }

  async getRun(id: string): Promise<Run> {
    return (await (await this.request(`/v1/runs/${id}`)).json()) as Run;
  }

  async events(id: string): Promise<RunEvent[]> {
    const response = await this.request(`/v1/runs/${id}/events?limit=1000`, {
      headers: { accept: 'application/json', authorization: `Bearer ${testApiKey}` },
    });
    return ((await response.json()) as { data: RunEvent[] }).data;
  }

  /** Polls until the run is in one of the states, failing after `timeoutMs`. */
  async waitForState(id: string, states: Run['state'][], timeoutMs = 10_000): Promise<Run> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const run = await this.getRun(id);
      if (states.includes(run.state)) return run;
      if (Date.now() > deadline) {
        throw new Error(`run ${id} stayed ${run.state}, wanted ${states.join('|')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async stop({ keepHome = false } = {}): Promise<void> {
    await this.daemon.stop();
    if (this.#ownsHome && !keepHome) rmSync(this.home, { recursive: true, force: true });
  }
}
