import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DaemonHarness } from '../../testing/daemon-harness.ts';
import { FakeOpenAIServer } from '../testing/fake-openai-server.ts';
import { openAICompatibleProvider } from './index.ts';

/**
 * Cancelling a run while an open model is still answering, through the daemon's API, with the
 * real `openai` SDK talking to a fake server on 127.0.0.1 that holds its answer back.
 */

/** How soon after the cancel the server must see the request's socket close. */
const CLOSE_WITHIN_MS = 1_000;

let fake: FakeOpenAIServer;
let harness: DaemonHarness;

beforeAll(async () => {
  fake = await FakeOpenAIServer.start();
});

afterAll(async () => {
  await fake.close();
});

beforeEach(async () => {
  fake.requests.length = 0;
  fake.problems.length = 0;
  harness = await DaemonHarness.start({
    providers: [openAICompatibleProvider({ baseURL: fake.url, apiKey: null, keepImages: 2 })],
  });
});

afterEach(async () => {
  await harness.stop();
  expect(fake.problems).toEqual([]);
});

async function waitFor(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms),
    ),
  ]);
}

describe('cancel during a slow open model answer', () => {
  it('closes the HTTP request at once and performs nothing', async () => {
    // The held answer is a click: had it arrived, the desktop would have been driven.
    fake.reply({ content: "Thought: save\nAction: click(start_box='(10,10)')", stallMs: 30_000 });
    const run = await harness.createRun({ task: 'save', model: 'openai-compatible:ui-tars-1.5' });
    await waitFor(() => fake.requests.length === 1);
    const desktop = harness.backend.desktops.at(-1)!;

    const cancelledAt = performance.now();
    const response = await harness.request(`/v1/runs/${run.id}/cancel`, { method: 'POST' });
    expect(response.status).toBe(200);
    await within(fake.clientClosed(), CLOSE_WITHIN_MS, 'the socket close');

    const closedAfterMs = fake.requests[0]!.closedAt! - cancelledAt;
    expect(closedAfterMs).toBeLessThan(CLOSE_WITHIN_MS);
    const ended = await harness.waitForState(run.id, ['cancelled', 'failed', 'succeeded']);
    expect(ended.state).toBe('cancelled');
    expect(ended.error).toBeNull();
    // The loop is gone: no second call, no action, however long the answer would have taken.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(fake.requests).toHaveLength(1);
    expect(desktop.performed).toEqual([]);
  });
});
