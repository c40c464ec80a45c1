import { serve, type ServerType } from '@hono/node-server';
import type { Server } from 'node:http';
import { createParser } from 'eventsource-parser';
import { Hono } from 'hono';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RunEvent } from '../events/event.ts';
import { EventBus } from '../events/event-bus.ts';
import { silentLogger } from '../log.ts';
import type { Run } from '../runs/run.ts';
import { DaemonHarness, testApiKey } from '../testing/daemon-harness.ts';
import { runUpdatesHandler } from './routes/run-updates.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Update {
  event: string;
  run: Run;
  /** When it arrived, in ms on the performance clock. */
  at: number;
}

/** A `GET /v1/events` stream read over a real socket in the background, until `close`. */
class UpdateReader {
  readonly updates: Update[] = [];
  readonly comments: string[] = [];
  readonly #abort = new AbortController();
  #reading: Promise<void> = Promise.resolve();

  static async open(baseUrl: string): Promise<UpdateReader> {
    const reader = new UpdateReader();
    const response = await fetch(`${baseUrl}/v1/events`, {
      headers: { authorization: `Bearer ${testApiKey}`, accept: 'text/event-stream' },
      signal: reader.#abort.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    reader.#reading = reader.#read(response);
    return reader;
  }

  of(runId: string): Update[] {
    return this.updates.filter((update) => update.run.id === runId);
  }

  async close(): Promise<void> {
    this.#abort.abort();
    await this.#reading;
  }

  async #read(response: Response): Promise<void> {
    const parser = createParser({
      onEvent: (message) => {
        expect(message.id).toBeUndefined();
        const run = JSON.parse(message.data) as Run;
        this.updates.push({ event: message.event ?? '', run, at: performance.now() });
      },
      onComment: (comment) => this.comments.push(comment.trim()),
    });
    try {
      for await (const chunk of response.body!.pipeThrough(new TextDecoderStream()))
        parser.feed(chunk);
    } catch (error) {
      if (!this.#abort.signal.aborted) throw error;
    }
  }
}

describe('run updates in a whole daemon', () => {
  let harness: DaemonHarness;
  let baseUrl: string;

  afterEach(async () => {
    await harness.stop();
  });

  async function start(pingMs?: number) {
    harness = await DaemonHarness.start(pingMs ? { pingMs } : {});
    baseUrl = (await harness.daemon.listen()).url;
  }

  it('follows a run from queued to succeeded, ending with the final run object', async () => {
    await start();
    // A run that waits for a human holds the machine, so the next run stays queued until it ends.
    const blocker = await harness.createRun({
      task: 'hold the machine',
      model: harness.script({ turns: [{ needs_human: 'wait' }] }),
    });
    await harness.waitForState(blocker.id, ['awaiting_human']);
    const reader = await UpdateReader.open(baseUrl);

    const run = await harness.createRun({
      task: 'x',
      model: harness.script({
        turns: [
          { delay_ms: 300, actions: [{ action: 'left_click', coordinate: [1, 1] }] },
          { delay_ms: 300, done: true, text: 'done' },
        ],
      }),
    });
    await expect.poll(() => reader.of(run.id).length).toBe(1);
    await harness.request(`/v1/runs/${blocker.id}/cancel`, { method: 'POST' });
    await expect
      .poll(() => reader.of(run.id).at(-1)?.run.state, { timeout: 5000 })
      .toBe('succeeded');
    await sleep(400);
    await reader.close();

    const updates = reader.of(run.id);
    expect(updates[0]).toMatchObject({ event: 'run.created', run: { state: 'queued' } });
    expect(updates.slice(1).every((update) => update.event === 'run.updated')).toBe(true);
    expect(updates.map((update) => update.run.state)).toContain('running');
    expect(updates.at(-1)!.run).toEqual(await harness.getRun(run.id));
    expect(updates.at(-1)!.run.result?.summary).toBe('done');
    expect(reader.of(blocker.id).at(-1)?.run.state).toBe('cancelled');
  });

  it('coalesces a fast run into at most one update per 250 ms', async () => {
    await start();
    const reader = await UpdateReader.open(baseUrl);
    const turns = Array.from({ length: 40 }, (_, i) => ({
      delay_ms: 10,
      actions: [{ action: 'left_click', coordinate: [i, i] }],
    }));
    const run = await harness.createRun({
      task: 'x',
      model: harness.script({ turns: [...turns, { done: true }] }),
    });
    await expect
      .poll(() => reader.of(run.id).at(-1)?.run.state, { timeout: 10_000 })
      .toBe('succeeded');
    await reader.close();

    const updates = reader.of(run.id);
    const events = await harness.events(run.id);
    const spanMs = updates.at(-1)!.at - updates[0]!.at;
    expect(events.length).toBeGreaterThan(150);
    expect(updates.length).toBeLessThanOrEqual(Math.floor(spanMs / 250) + 2);
    expect(updates.length).toBeLessThan(events.length / 10);
    expect(updates.at(-1)!.run).toEqual(await harness.getRun(run.id));
  });

  it('is described in openapi.json as an event stream', async () => {
    await start();
    const doc = await (await harness.request('/v1/openapi.json')).json();
    expect(Object.keys(doc.paths['/v1/events'].get.responses['200'].content)).toEqual([
      'text/event-stream',
    ]);
  });

  it('sends ping comments while nothing changes', async () => {
    await start(50);
    const reader = await UpdateReader.open(baseUrl);
    await expect.poll(() => reader.comments.length).toBeGreaterThanOrEqual(3);
    await reader.close();
    expect(new Set(reader.comments)).toEqual(new Set(['ping']));
    expect(reader.updates).toEqual([]);
  });
});

/**
 * How many timers keep the process busy (unref'd ones do not), once those that other work left
 * for a moment have gone: polls for up to a second.
 */
async function busyTimers(): Promise<number> {
  const count = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
  for (let attempt = 0; attempt < 50 && count() > 0; attempt += 1) await sleep(20);
  return count();
}

describe('a run updates connection', () => {
  let server: ServerType;

  afterEach(async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      (server as Server).closeAllConnections();
    });
  });

  function event(runId: string, seq: number): RunEvent {
    const type = seq === 1 ? 'run.created' : 'step.action';
    return { seq, type, run_id: runId, created_at: new Date().toISOString(), data: {} };
  }

  it('lets go of the bus and its timers when the client disconnects', async () => {
    const bus = new EventBus();
    const getRun = vi.fn(async (id: string) => ({ id, state: 'running' }) as Run);
    const app = new Hono();
    app.get(
      '/v1/events',
      runUpdatesHandler(
        { bus, store: { getRun }, log: silentLogger() },
        {
          pingMs: 20,
        },
      ),
    );
    const baseUrl = await new Promise<string>((resolve) => {
      server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) =>
        resolve(`http://127.0.0.1:${info.port}`),
      );
    });
    expect(await busyTimers()).toBe(0);

    const reader = await UpdateReader.open(baseUrl);
    expect(bus.listenerCount).toBe(1);
    bus.publish([event('run_1', 1)]);
    await expect.poll(() => reader.updates.length).toBe(1);
    await expect.poll(() => reader.comments.length).toBeGreaterThanOrEqual(1);
    // Two changes inside the coalescing window leave a timer waiting when the client goes.
    bus.publish([event('run_1', 2)]);
    bus.publish([event('run_1', 3)]);
    await reader.close();

    await expect.poll(() => bus.listenerCount).toBe(0);
    bus.publish([event('run_1', 4)]);
    await sleep(300);
    expect(getRun).toHaveBeenCalledTimes(1);
    expect(await busyTimers()).toBe(0);
  });
});
