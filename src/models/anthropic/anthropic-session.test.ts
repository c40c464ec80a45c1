import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Frame } from '../../desktop/desktop.ts';
import { RunError } from '../../errors.ts';
import { silentLogger } from '../../log.ts';
import { claudePrice, costUsd } from '../pricing.ts';
import type { RetryPolicy } from '../retry.ts';
import {
  FakeAnthropicServer,
  fakeBlocks as b,
  type SeenRequest,
} from '../testing/fake-anthropic-server.ts';
import { fakeFrame, observation, ok, sessionInit } from '../testing/frames.ts';
import type { AgentSession, VisionModel } from '../vision-model.ts';
import { anthropicProvider } from './index.ts';
import { NOT_EXECUTED } from './tool-calls.ts';

const quickRetries: RetryPolicy = {
  maxRetries: 4,
  baseDelayMs: 5,
  maxDelayMs: 20,
  deadlineMarginMs: 100,
};

let fake: FakeAnthropicServer;
let frame: Frame;

beforeAll(async () => {
  fake = await FakeAnthropicServer.start({
    accepts: { 'claude-fable-5-2': ['computer_20251124'] },
  });
  frame = await fakeFrame({ width: 1280, height: 800 });
});

afterAll(async () => {
  await fake.close();
});

beforeEach(() => {
  fake.requests.length = 0;
  fake.problems.length = 0;
});

function model(name: string, history = { keep: 3, pruneBatch: 10 }): VisionModel {
  const provider = anthropicProvider({
    apiKey: 'sk-fake-key',
    baseURL: fake.url,
    history,
    log: silentLogger(),
    retryPolicy: quickRetries,
  });
  return provider.create(name);
}

function session(name: string, history?: { keep: number; pruneBatch: number }): AgentSession {
  return model(name, history).startSession(sessionInit());
}

const signal = new AbortController().signal;
const done = (id = 'toolu_done') => b.tool(id, 'done', { summary: 'finished' });

function lastRequest(): SeenRequest {
  return fake.requests.at(-1)!;
}

function lastUserContent(): Record<string, unknown>[] {
  const messages = lastRequest().body['messages'] as { role: string; content: unknown[] }[];
  return messages.at(-1)!.content as Record<string, unknown>[];
}

describe('tool version per model', () => {
  it('sends computer_20250124 with its beta header to sonnet 4.5', async () => {
    fake.reply({ turn: { content: [done()] } });
    await session('claude-sonnet-4-5').next(observation(frame), signal);

    const request = lastRequest();
    expect(request.headers['anthropic-beta']).toBe('computer-use-2025-01-24');
    expect((request.body['tools'] as unknown[])[0]).toEqual({
      type: 'computer_20250124',
      name: 'computer',
      display_width_px: 1280,
      display_height_px: 800,
    });
    expect(fake.problems).toEqual([]);
  });

  it('sends computer_20251124 with zoom enabled to opus 4.6', async () => {
    fake.reply({ turn: { content: [done()] } });
    await session('claude-opus-4-6').next(observation(frame), signal);

    const request = lastRequest();
    expect(request.headers['anthropic-beta']).toBe('computer-use-2025-11-24');
    expect((request.body['tools'] as unknown[])[0]).toEqual({
      type: 'computer_20251124',
      name: 'computer',
      display_width_px: 1280,
      display_height_px: 800,
      enable_zoom: true,
    });
  });

  it('sends the generally available toolset without a beta header to sonnet 5.5', async () => {
    fake.reply({ turn: { content: [done()] } });
    await session('claude-sonnet-5-5').next(observation(frame), signal);

    const request = lastRequest();
    expect(request.headers['anthropic-beta']).toBeUndefined();
    expect(request.path).toBe('/v1/messages');
    expect(request.headers['authorization']).toBe('Bearer sk-fake-key');
    const tools = request.body['tools'] as Record<string, unknown>[];
    expect(tools[0]).toEqual({ type: 'computer_toolset_20260801' });
    expect(tools.map((tool) => tool['name'])).toEqual([undefined, 'done', 'ask_human']);
    expect(request.body['stream']).toBe(true);
    expect(fake.problems).toEqual([]);
  });

  it('steps down to an older version when a model newer than the table refuses one', async () => {
    fake.reply({ turn: { content: [done()] } });
    const turn = await session('claude-fable-5-2').next(observation(frame), signal);

    expect(turn.done).toEqual({ summary: 'finished' });
    const types = fake.requests.map((r) => (r.body['tools'] as { type: string }[])[0]!.type);
    expect(types).toEqual(['computer_toolset_20260801', 'computer_20251124']);
    expect(fake.requests[1]!.headers['anthropic-beta']).toBe('computer-use-2025-11-24');
  });

  it('sizes frames by the tier of the model', () => {
    const screen = { width: 1920, height: 1080 };
    expect(model('claude-sonnet-4-5').frameSpec(screen)).toMatchObject({
      maxWidth: 1456,
      maxHeight: 819,
    });
    expect(model('claude-opus-5-5').frameSpec(screen)).toMatchObject({
      maxWidth: 1920,
      maxHeight: 1080,
    });
    expect(model('claude-sonnet-5-5').frameSpec({ width: 3840, height: 2160 })).toMatchObject({
      maxWidth: 2576,
    });
    // Opus 5.5 keeps every screenshot, and a request of more than 20 needs them within 2000 px.
    expect(model('claude-opus-5-5').frameSpec({ width: 3840, height: 2160 })).toMatchObject({
      maxWidth: 2000,
      maxHeight: 1125,
    });
  });

  it('refuses anthropic models when no key is configured', () => {
    const provider = anthropicProvider({
      apiKey: null,
      baseURL: null,
      history: { keep: 3, pruneBatch: 10 },
      log: silentLogger(),
    });
    expect(() => provider.create('claude-sonnet-5-5')).toThrow(/ANTHROPIC_API_KEY/);
  });
});

describe('batched actions and tool results', () => {
  it('halts a batch at an invalid action and answers every call once', async () => {
    const agent = session('claude-sonnet-5-5');
    fake.reply({
      turn: {
        content: [
          b.thinking('the field is at the top', 'sig-1'),
          b.text('Filling in the form'),
          b.member('toolu_1', 'left_click', { coordinate: [100, 200] }),
          b.member('toolu_2', 'type', { text: 'hello' }),
          b.member('toolu_3', 'key', { text: '' }),
          b.member('toolu_4', 'screenshot'),
        ],
      },
    });
    const turn = await agent.next(observation(frame), signal);

    expect(turn.text).toBe('Filling in the form');
    expect(turn.actions).toEqual([
      { action: 'left_click', coordinate: [100, 200] },
      { action: 'type', text: 'hello' },
    ]);

    fake.reply({ turn: { content: [done()] } });
    await agent.next(
      observation(frame, { results: turn.actions.map((action) => ok(action)) }),
      signal,
    );
    expect(fake.problems).toEqual([]);

    const results = lastUserContent();
    expect(results.map((r) => r['tool_use_id'])).toEqual([
      'toolu_1',
      'toolu_2',
      'toolu_3',
      'toolu_4',
    ]);
    expect(results.every((r) => r['toolset_name'] === 'computer')).toBe(true);
    expect(results[2]).toMatchObject({ is_error: true });
    expect(JSON.stringify(results[2]!['content'])).toMatch(/invalid key input/);
    expect(results[3]).toMatchObject({ is_error: true });
    const skipped = results[3]!['content'] as { type: string; text?: string }[];
    expect(skipped[0]).toEqual({ type: 'text', text: NOT_EXECUTED });
    // The newest screenshot rides on the last result of the turn.
    const last = results[3]!['content'] as { type: string }[];
    expect(last.map((block) => block.type)).toEqual(['text', 'image']);
  });

  it('reports a failed action with is_error and the later ones as not executed', async () => {
    const agent = session('claude-sonnet-4-5');
    fake.reply({
      turn: {
        content: [
          b.computer('toolu_a', { action: 'left_click', coordinate: [5, 5] }),
          b.computer('toolu_b', { action: 'type', text: 'x' }),
        ],
      },
    });
    const turn = await agent.next(observation(frame), signal);

    fake.reply({ turn: { content: [done()] } });
    await agent.next(
      observation(frame, {
        results: [
          { action: turn.actions[0]!, status: 'error', error: 'the window was gone' },
          { action: turn.actions[1]!, status: 'not_executed', error: 'not executed' },
        ],
      }),
      signal,
    );
    const results = lastUserContent();
    expect(results[0]).toMatchObject({
      is_error: true,
      content: [{ type: 'text', text: 'Error: the window was gone' }],
    });
    expect(results[1]).toMatchObject({ is_error: true });
    expect(JSON.stringify(results[1])).toContain(NOT_EXECUTED);
    expect(fake.problems).toEqual([]);
  });

  it('answers the ask_human call with the human reply from resume', async () => {
    const agent = session('claude-sonnet-5-5');
    fake.reply({
      turn: { content: [b.tool('toolu_q', 'ask_human', { question: 'Which account?' })] },
    });
    const turn = await agent.next(observation(frame), signal);
    expect(turn.needsHuman).toEqual({ question: 'Which account?' });

    fake.reply({ turn: { content: [done()] } });
    await agent.next(observation(frame, { humanReply: 'use the work one' }), signal);
    const answer = lastUserContent()[0]!;
    expect(answer).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_q' });
    expect((answer['content'] as unknown[])[0]).toEqual({ type: 'text', text: 'use the work one' });
  });

  it('gives the verifier feedback as the answer to the done call', async () => {
    const agent = session('claude-sonnet-5-5');
    fake.reply({ turn: { content: [done('toolu_d1')] } });
    await agent.next(observation(frame), signal);

    fake.reply({ turn: { content: [done('toolu_d2')] } });
    await agent.next(observation(frame, { verifierFeedback: 'the file is not saved' }), signal);
    expect(JSON.stringify(lastUserContent()[0])).toContain('the file is not saved');
  });

  it('turns a cursor position on the screen into frame pixels', async () => {
    const small = await fakeFrame(
      { width: 1920, height: 1080 },
      { maxWidth: 1456, maxHeight: 819, format: 'png' },
    );
    const agent = session('claude-sonnet-4-5');
    fake.reply({ turn: { content: [b.computer('toolu_c', { action: 'cursor_position' })] } });
    const turn = await agent.next(observation(small), signal);

    fake.reply({ turn: { content: [done()] } });
    await agent.next(
      observation(small, {
        results: [
          {
            action: turn.actions[0]!,
            status: 'ok',
            output: { kind: 'cursor', position: [960, 540] },
          },
        ],
      }),
      signal,
    );
    expect(JSON.stringify(lastUserContent()[0])).toContain(`X=${(small.sent.width / 2) | 0}`);
  });
});

describe('stop reasons', () => {
  it('tells the model once about a refusal, then fails model_refused', async () => {
    fake.reply(
      { turn: { content: [b.text('I will not')], stop_reason: 'refusal' } },
      { turn: { content: [b.text('Still no')], stop_reason: 'refusal' } },
    );
    const error = await session('claude-sonnet-5-5')
      .next(observation(frame), signal)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunError);
    expect((error as RunError).code).toBe('model_refused');
    expect(JSON.stringify(fake.requests[1]!.body)).toContain('stopped as a refusal');
  });

  it('goes on after one refusal when the model then acts', async () => {
    fake.reply({ turn: { content: [], stop_reason: 'refusal' } }, { turn: { content: [done()] } });
    const turn = await session('claude-sonnet-5-5').next(observation(frame), signal);
    expect(turn.done).toBeDefined();
    expect(turn.modelCalls).toBe(2);
  });

  it('asks again once when the answer has no tool call, then fails model_error', async () => {
    fake.reply(
      { turn: { content: [b.text('All good.')] } },
      { turn: { content: [b.text('Really, all good.')] } },
    );
    const error = (await session('claude-sonnet-5-5')
      .next(observation(frame), signal)
      .catch((e: unknown) => e)) as RunError;
    expect(error.code).toBe('model_error');
    expect(error.message).toContain('Really, all good.');
    expect(fake.problems).toEqual([]);
  });

  it('discards an answer cut at max_tokens and asks for a shorter one', async () => {
    fake.reply(
      { turn: { content: [b.text('A very long')], stop_reason: 'max_tokens' } },
      { turn: { content: [done()] } },
    );
    const turn = await session('claude-sonnet-5-5').next(observation(frame), signal);
    expect(turn.done).toBeDefined();
    const second = JSON.stringify(fake.requests[1]!.body['messages']);
    expect(second).toContain('cut off at the output limit');
    expect(second).not.toContain('A very long');
  });

  it('continues a paused turn by sending it back', async () => {
    fake.reply(
      { turn: { content: [b.text('Working on it')], stop_reason: 'pause_turn' } },
      { turn: { content: [done()] } },
    );
    await session('claude-sonnet-5-5').next(observation(frame), signal);
    const messages = fake.requests[1]!.body['messages'] as { role: string }[];
    expect(messages.at(-1)!.role).toBe('assistant');
  });

  it('drops old screenshots when the context is full, then fails if it still is', async () => {
    fake.reply(
      { turn: { content: [], stop_reason: 'model_context_window_exceeded' } },
      { turn: { content: [], stop_reason: 'model_context_window_exceeded' } },
    );
    const error = (await session('claude-sonnet-5-5')
      .next(observation(frame), signal)
      .catch((e: unknown) => e)) as RunError;
    expect(error.code).toBe('model_error');
    expect(error.message).toMatch(/context window/);
  });
});

describe('faults', () => {
  it('retries a mid-stream error and a dropped connection', async () => {
    fake.reply(
      { streamError: { type: 'overloaded_error', message: 'Overloaded' } },
      { drop: true },
      { turn: { content: [done()] } },
    );
    const turn = await session('claude-sonnet-5-5').next(observation(frame), signal);
    expect(turn.done).toBeDefined();
    expect(turn.modelCalls).toBe(3);
    expect(turn.retries.map((retry) => retry.status)).toEqual([null, null]);
    expect(turn.retries[0]!.message).toBe('Overloaded');
  });

  it('honours retry-after-ms from a 429', async () => {
    fake.reply(
      {
        status: 429,
        type: 'rate_limit_error',
        message: 'Number of requests has exceeded your rate limit',
        headers: { 'retry-after-ms': '30' },
      },
      { turn: { content: [done()] } },
    );
    const turn = await session('claude-sonnet-5-5').next(observation(frame), signal);
    expect(turn.retries).toEqual([
      { status: 429, message: 'Number of requests has exceeded your rate limit', delayMs: 30 },
    ]);
  });

  it('does not retry a 400 and fails with the provider message', async () => {
    fake.reply({ status: 400, type: 'invalid_request_error', message: 'messages: bad shape' });
    const error = (await session('claude-sonnet-5-5')
      .next(observation(frame), signal)
      .catch((e: unknown) => e)) as RunError;
    expect(error.code).toBe('model_error');
    expect(error.message).toContain('messages: bad shape');
    expect(fake.requests).toHaveLength(1);
  });

  it('stops retrying when the run deadline is too near', async () => {
    fake.reply({
      status: 529,
      type: 'overloaded_error',
      message: 'Overloaded',
      headers: { 'retry-after': '30' },
    });
    const agent = model('claude-sonnet-5-5').startSession(
      sessionInit({ deadlineAt: new Date(Date.now() + 5_000) }),
    );
    const error = (await agent
      .next(observation(frame), signal)
      .catch((e: unknown) => e)) as RunError;
    expect(error.code).toBe('model_error');
    expect(error.message).toMatch(/no time left before the run deadline/);
  });
});

describe('history, cache and cost', () => {
  it('prunes old screenshots in batches and keeps the newest', async () => {
    const agent = session('claude-sonnet-5-5', { keep: 2, pruneBatch: 3 });
    const imagesSent: number[] = [];
    let previous: ReturnType<typeof ok>[] = [];
    for (let step = 0; step < 7; step += 1) {
      fake.reply({ turn: { content: [b.member(`toolu_${step}`, 'screenshot')] } });
      const turn = await agent.next(observation(frame, { results: previous }), signal);
      previous = turn.actions.map((action) => ok(action));
      imagesSent.push(JSON.stringify(lastRequest().body).split('"type":"image"').length - 1);
    }
    // Images grow to keep + batch - 1, then three go at once.
    expect(imagesSent).toEqual([1, 2, 3, 4, 2, 3, 4]);
    expect(JSON.stringify(lastRequest().body)).toContain('an older screenshot, removed');
    expect(fake.problems).toEqual([]);
  });

  it('marks the system prompt and the three newest user turns for caching', async () => {
    const agent = session('claude-sonnet-5-5');
    let previous: ReturnType<typeof ok>[] = [];
    for (let step = 0; step < 4; step += 1) {
      fake.reply({ turn: { content: [b.member(`toolu_${step}`, 'screenshot')] } });
      const turn = await agent.next(observation(frame, { results: previous }), signal);
      previous = turn.actions.map((action) => ok(action));
    }
    const body = lastRequest().body;
    expect((body['system'] as Record<string, unknown>[])[0]!['cache_control']).toEqual({
      type: 'ephemeral',
    });
    const marked = (body['messages'] as { role: string; content: Record<string, unknown>[] }[])
      .map((message) => message.content.some((block) => 'cache_control' in block))
      .join(',');
    expect(marked).toBe('false,false,true,false,true,false,true');
  });

  it('counts cache tokens and prices them from the table', async () => {
    const usage = {
      input_tokens: 1_200,
      output_tokens: 300,
      cache_read_input_tokens: 40_000,
      cache_creation_input_tokens: 2_000,
    };
    fake.reply({ turn: { content: [done()], usage } });
    const turn = await session('claude-opus-5-5').next(observation(frame), signal);

    expect(turn.usage).toEqual(usage);
    // Opus 5.5: $4 in, $20 out, $5 cache write, $0.20 cache read per million tokens.
    const expected = (1_200 * 4 + 300 * 20 + 2_000 * 5 + 40_000 * 0.2) / 1e6;
    expect(turn.costUsd).toBeCloseTo(expected, 6);
    expect(turn.costUsd).toBe(costUsd(claudePrice('claude-opus-5-5')!, usage));
  });

  it('estimates the next call from the last prompt and the new screenshot', async () => {
    const agent = session('claude-sonnet-5-5');
    const first = agent.estimateNextCostUsd(observation(frame));
    expect(first).toBeGreaterThan(0);

    fake.reply({
      turn: {
        content: [b.member('toolu_s', 'screenshot')],
        usage: { input_tokens: 50_000, output_tokens: 2_000 },
      },
    });
    await agent.next(observation(frame), signal);
    const next = agent.estimateNextCostUsd(observation(frame));
    // At least the last prompt and answer again, at full input price, plus an answer as long.
    expect(next).toBeGreaterThan((52_000 * 2 + 2_000 * 10) / 1e6);
  });
});

describe('verifier', () => {
  it('asks once more for a verdict it cannot read, and counts both calls', async () => {
    fake.reply(
      { turn: { content: [b.thinking('hmm', 'sig-v'), b.text('Looks done to me.')] } },
      { turn: { content: [b.text('{"passed": true, "reason": "the dialog shows Saved"}')] } },
    );
    const verdict = await model('claude-opus-5-5').verify({
      task: 'save the file',
      summary: 'saved',
      frame,
      signal,
      deadlineAt: new Date(Date.now() + 60_000),
      log: silentLogger(),
    });

    expect(verdict).toMatchObject({
      passed: true,
      reason: 'the dialog shows Saved',
      modelCalls: 2,
    });
    expect(verdict.costUsd).toBeGreaterThan(0);
    expect(JSON.stringify(fake.requests[1]!.body['messages'])).toContain(
      'Answer only with the JSON',
    );
    expect(fake.problems).toEqual([]);
  });

  it('fails model_error when the second answer is no verdict either', async () => {
    fake.reply({ turn: { content: [b.text('yes')] } }, { turn: { content: [b.text('yes!')] } });
    const error = (await model('claude-opus-5-5')
      .verify({
        task: 't',
        summary: 's',
        frame,
        signal,
        deadlineAt: new Date(Date.now() + 60_000),
        log: silentLogger(),
      })
      .catch((e: unknown) => e)) as RunError;
    expect(error.code).toBe('model_error');
  });
});

describe('cancel', () => {
  it('aborts the HTTP request of a slow streamed answer', async () => {
    fake.reply({ turn: { content: [done()] }, stallMs: 30_000 });
    const controller = new AbortController();
    const pending = session('claude-sonnet-5-5').next(observation(frame), controller.signal);
    await waitFor(() => fake.requests.length === 1);
    controller.abort(new Error('cancelled by the test'));

    await expect(pending).rejects.toThrow('cancelled by the test');
    await fake.clientClosed();
    expect(fake.requests[0]!.clientClosed).toBe(true);
  });
});

async function waitFor(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
