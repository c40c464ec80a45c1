import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '../events/event.ts';
import { DaemonHarness, testApiKey } from '../testing/daemon-harness.ts';

let harness: DaemonHarness;
let baseUrl: string;

beforeEach(async () => {
  harness = await DaemonHarness.start({ pingMs: 100 });
  baseUrl = (await harness.daemon.listen()).url;
});

afterEach(async () => {
  await harness.stop();
});

interface Received {
  events: RunEvent[];
  ids: string[];
  comments: string[];
  /** True when the server ended the stream; false when the client stopped reading. */
  ended: boolean;
}

/**
 * Reads a run's event stream over a real socket until the server ends it, or until `stopAfter`
 * events have arrived, when it drops the connection the way a flaky network would.
 */
async function readStream(
  runId: string,
  {
    lastEventId,
    query = '',
    stopAfter = Infinity,
  }: { lastEventId?: string; query?: string; stopAfter?: number } = {},
): Promise<Received> {
  const abort = new AbortController();
  const headers: Record<string, string> = {
    authorization: `Bearer ${testApiKey}`,
    accept: 'text/event-stream',
  };
  if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
  const response = await fetch(`${baseUrl}/v1/runs/${runId}/events${query}`, {
    headers,
    signal: abort.signal,
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);

  const received: Received = { events: [], ids: [], comments: [], ended: false };
  const parser = createParser({
    onEvent: (message: EventSourceMessage) => {
      const event = JSON.parse(message.data) as RunEvent;
      expect(message.event).toBe(event.type);
      received.events.push(event);
      received.ids.push(message.id ?? '');
    },
    onComment: (comment) => received.comments.push(comment.trim()),
  });

  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        received.ended = true;
        return received;
      }
      parser.feed(value);
      if (received.events.length >= stopAfter) return received;
    }
  } finally {
    abort.abort();
  }
}

function slowRun(steps: number) {
  const turns = Array.from({ length: steps }, (_, i) => ({
    delay_ms: 40,
    actions: [{ action: 'left_click', coordinate: [i, i] }],
  }));
  return harness.createRun({
    task: 'x',
    model: harness.script({ turns: [...turns, { done: true }] }),
  });
}

describe('event stream', () => {
  it('resumes with Last-Event-ID mid-run with no gap and no repeat', async () => {
    const run = await slowRun(6);

    const first = await readStream(run.id, { stopAfter: 8 });
    expect(first.ended).toBe(false);
    const lastId = first.ids.at(-1)!;
    const second = await readStream(run.id, { lastEventId: lastId });
    expect(second.ended).toBe(true);

    const stored = await harness.events(run.id);
    const received = [...first.events, ...second.events];
    expect(received).toEqual(stored);
    expect(received.map((event) => String(event.seq))).toEqual([...first.ids, ...second.ids]);
    expect(received.at(-1)!.type).toBe('run.succeeded');
  });

  it('resumes with ?after= the same way', async () => {
    const run = await slowRun(3);
    const first = await readStream(run.id, { stopAfter: 5 });
    const second = await readStream(run.id, { query: `?after=${first.events.at(-1)!.seq}` });
    expect([...first.events, ...second.events]).toEqual(await harness.events(run.id));
  });

  it('gives many subscribers the same complete stream at once', async () => {
    const run = await slowRun(4);
    const readers = await Promise.all(Array.from({ length: 8 }, () => readStream(run.id)));
    const stored = await harness.events(run.id);
    for (const reader of readers) {
      expect(reader.ended).toBe(true);
      expect(reader.events).toEqual(stored);
    }
  });

  it('replays a finished run from the start and then ends', async () => {
    const run = await slowRun(1);
    await harness.waitForState(run.id, ['succeeded']);
    const replay = await readStream(run.id);
    expect(replay.ended).toBe(true);
    expect(replay.events).toEqual(await harness.events(run.id));

    const afterEnd = await readStream(run.id, { lastEventId: String(replay.events.at(-1)!.seq) });
    expect(afterEnd).toMatchObject({ ended: true, events: [] });
  });

  it('sends ping comments while the run is idle', async () => {
    const run = await harness.createRun({
      task: 'x',
      model: harness.script({ turns: [{ needs_human: 'help?' }] }),
    });
    await harness.waitForState(run.id, ['awaiting_human']);
    const count = (await harness.events(run.id)).length;

    const idle = readStream(run.id, { stopAfter: count + 1 });
    await new Promise((resolve) => setTimeout(resolve, 350));
    await harness.request(`/v1/runs/${run.id}/cancel`, { method: 'POST' });
    const received = await idle;
    expect(received.comments.filter((comment) => comment === 'ping').length).toBeGreaterThanOrEqual(
      2,
    );
  });

  it('refuses a Last-Event-ID that is not a sequence number', async () => {
    const run = await slowRun(1);
    const response = await fetch(`${baseUrl}/v1/runs/${run.id}/events`, {
      headers: { authorization: `Bearer ${testApiKey}`, 'last-event-id': 'abc' },
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { param: string } }).error.param).toBe(
      'Last-Event-ID',
    );
  });
});

describe('event polling', () => {
  it('pages through the same events as JSON with after and limit', async () => {
    const run = await slowRun(2);
    await harness.waitForState(run.id, ['succeeded']);
    const all = await harness.events(run.id);

    const page = async (after: number) => {
      const response = await harness.request(`/v1/runs/${run.id}/events?after=${after}&limit=4`, {
        headers: { accept: 'application/json', 'x-api-key': testApiKey },
      });
      return (await response.json()) as { data: RunEvent[]; has_more: boolean };
    };
    const collected: RunEvent[] = [];
    let after = 0;
    for (;;) {
      const { data, has_more } = await page(after);
      collected.push(...data);
      if (!has_more) break;
      after = data.at(-1)!.seq;
    }
    expect(collected).toEqual(all);
    expect(all.length).toBeGreaterThan(8);
  });
});
