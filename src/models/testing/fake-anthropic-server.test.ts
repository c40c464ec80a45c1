import Anthropic, { APIError } from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeAnthropicServer, fakeBlocks as b } from './fake-anthropic-server.ts';

/**
 * The fake speaks the wire format the real SDK needs: these tests use the SDK with its own
 * defaults (its retries included), not the adapter, so a mistake in the fake shows up here.
 */

let fake: FakeAnthropicServer;
let client: Anthropic;

beforeAll(async () => {
  fake = await FakeAnthropicServer.start();
  client = new Anthropic({ apiKey: 'sk-fake', baseURL: fake.url, openTelemetry: false });
});

afterAll(async () => {
  await fake.close();
});

beforeEach(() => {
  fake.requests.length = 0;
  fake.problems.length = 0;
});

const params = {
  model: 'claude-sonnet-5-5',
  max_tokens: 1024,
  messages: [{ role: 'user' as const, content: 'hello' }],
};

describe('fake Anthropic server', () => {
  it('answers a non-streaming call as JSON, saying it is a fake', async () => {
    fake.reply({ turn: { content: [b.text('hi there')] } });
    const { data, response } = await client.messages.create(params).withResponse();

    expect(data.content).toEqual([{ type: 'text', text: 'hi there' }]);
    expect(data.stop_reason).toBe('end_turn');
    expect(response.headers.get('x-fake-server')).toMatch(/fake/);
    expect(fake.requests[0]!.headers['anthropic-version']).toBeTruthy();
  });

  it('streams thinking, text and a toolset call split across deltas', async () => {
    fake.reply({
      turn: {
        content: [
          b.thinking('look first', 'sig-9'),
          b.text('Clicking'),
          b.member('toolu_1', 'left_click', { coordinate: [512, 742] }),
        ],
      },
    });
    const message = await client.messages.stream(params).finalMessage();

    expect(message.stop_reason).toBe('tool_use');
    expect(message.content).toMatchObject([
      { type: 'thinking', thinking: 'look first', signature: 'sig-9' },
      { type: 'text', text: 'Clicking' },
      {
        type: 'tool_use',
        name: 'left_click',
        toolset_name: 'computer',
        input: { coordinate: [512, 742] },
      },
    ]);
  });

  it('sends 529 with retry-after-ms, which the SDK retries on its own', async () => {
    const overloaded = {
      status: 529,
      type: 'overloaded_error',
      message: 'Overloaded',
      headers: { 'retry-after-ms': '1' },
    };
    fake.reply(overloaded, overloaded, { turn: { content: [b.text('ok')] } });
    const message = await client.messages.create(params);

    expect(message.content).toEqual([{ type: 'text', text: 'ok' }]);
    expect(fake.requests.map((r) => r.headers['x-stainless-retry-count'])).toEqual(['0', '1', '2']);
  });

  it('fails a stream midway with an error event', async () => {
    fake.reply({ streamError: { type: 'overloaded_error', message: 'Overloaded' } });
    const error = await client.messages
      .stream(params)
      .finalMessage()
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).type).toBe('overloaded_error');
  });

  it('refuses a beta tool sent without its beta header, as the API would', async () => {
    const error = await client.messages
      .create({
        ...params,
        tools: [
          {
            type: 'computer_20250124',
            name: 'computer',
            display_width_px: 1280,
            display_height_px: 800,
          },
        ] as never,
      })
      .catch((e: unknown) => e);

    expect((error as APIError).status).toBe(400);
    expect(fake.problems).toEqual([
      'computer_20250124 needs the anthropic-beta header computer-use-2025-01-24',
    ]);
  });

  it('refuses thinking whose prefix changed unless the request lets it drop', async () => {
    const checked = await FakeAnthropicServer.start({ prefixChecked: ['claude-opus-5-5'] });
    const sdk = new Anthropic({ apiKey: 'sk-fake', baseURL: checked.url, openTelemetry: false });
    const ask = { ...params, model: 'claude-opus-5-5' };
    checked.reply(
      { turn: { content: [b.thinking('plan', 'sig-p'), b.text('first')] } },
      { turn: { content: [b.text('kept')] } },
      { turn: { content: [b.text('dropped')] } },
    );
    await sdk.messages.create(ask);
    const answered = { role: 'assistant' as const, content: [b.thinking('plan', 'sig-p')] };
    const history = (first: string) => [
      { role: 'user' as const, content: first },
      answered,
      { role: 'user' as const, content: 'next' },
    ];

    // The same prefix passes; an edited first message fails unless drop_block is asked for.
    await sdk.messages.create({ ...ask, messages: history('hello') as never });
    const refused = await sdk.messages
      .create({ ...ask, messages: history('hello, edited') as never })
      .catch((e: unknown) => e);
    await sdk.beta.messages.create({
      ...ask,
      messages: history('hello, edited') as never,
      thinking: { type: 'adaptive', block_binding: { prefix_mismatch_behavior: 'drop_block' } },
      betas: ['thinking-binding-controls-2026-08-01'],
    });
    await checked.close();

    expect((refused as APIError).status).toBe(400);
    expect(checked.problems).toHaveLength(1);
    expect(checked.problems[0]).toMatch(/bound to a different conversation/);
    expect(checked.requests.map((request) => request.droppedThinking)).toEqual([0, 0, 0, 1]);
  });
});
