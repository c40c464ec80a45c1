import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../log.ts';
import type { StepRecord } from '../../runs/step.ts';
import { DaemonHarness } from '../../testing/daemon-harness.ts';
import { claudePrice, costUsd } from '../pricing.ts';
import {
  FakeAnthropicServer,
  fakeBlocks as b,
  type FakeTurn,
} from '../testing/fake-anthropic-server.ts';
import { VERIFIER_SYSTEM_PROMPT } from '../verifier.ts';
import { anthropicProvider } from './index.ts';

/**
 * Whole runs through the daemon (API, run service, agent loop, fake display) with Claude played
 * by the fake Messages API, reached by the real @anthropic-ai/sdk over HTTP on 127.0.0.1.
 */

let fake: FakeAnthropicServer;
let harness: DaemonHarness;

beforeAll(async () => {
  fake = await FakeAnthropicServer.start();
});

afterAll(async () => {
  await fake.close();
});

beforeEach(async () => {
  fake.requests.length = 0;
  fake.problems.length = 0;
  harness = await DaemonHarness.start({
    providers: [
      anthropicProvider({
        apiKey: 'sk-fake-key',
        baseURL: fake.url,
        history: { keep: 3, pruneBatch: 10 },
        log: silentLogger(),
      }),
    ],
  });
});

afterEach(async () => {
  await harness.stop();
  expect(fake.problems).toEqual([]);
});

const done = (summary = 'finished') => b.tool('toolu_done', 'done', { summary });
const overloaded = {
  status: 529,
  type: 'overloaded_error',
  message: 'Overloaded',
  headers: { 'retry-after-ms': '1' },
};

async function steps(runId: string): Promise<StepRecord[]> {
  const response = await harness.request(`/v1/runs/${runId}/steps`);
  return ((await response.json()) as { data: StepRecord[] }).data;
}

async function waitFor(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const transcript = JSON.parse(
  readFileSync(
    new URL('../../../fixtures/models/anthropic-toolset-session.json', import.meta.url),
    'utf8',
  ),
) as { model: string; turns: FakeTurn[] };

function toolResultsOf(requestIndex: number): Record<string, unknown>[] {
  const messages = fake.requests[requestIndex]!.body['messages'] as {
    content: Record<string, unknown>[];
  }[];
  return messages.at(-1)!.content.filter((block) => block['type'] === 'tool_result');
}

function blockTypes(result: Record<string, unknown>): string[] {
  return (result['content'] as { type: string }[]).map((block) => block.type);
}

describe('anthropic runs', () => {
  it('plays a handwritten toolset session: batches, zoom, cursor, thinking sent back', async () => {
    fake.reply(...transcript.turns.map((turn) => ({ turn })));
    const run = await harness.createRun({
      task: 'open invoice 42',
      model: `anthropic:${transcript.model}`,
    });
    const ended = await harness.waitForState(run.id, ['succeeded', 'failed']);

    expect(ended.error).toBeNull();
    expect(ended.result?.summary).toBe('Opened invoice 42.');
    const desktop = harness.backend.desktops[0]!;
    expect(desktop.performed.map((action) => action.action)).toEqual([
      'left_click',
      'type',
      'key',
      'screenshot',
      'zoom',
      'cursor_position',
    ]);
    expect(desktop.performed[2]).toEqual({ action: 'key', text: 'Down', repeat: 2 });

    const batch = toolResultsOf(1);
    expect(batch.map((result) => result['tool_use_id'])).toEqual([
      'toolu_fake_01',
      'toolu_fake_02',
      'toolu_fake_03',
      'toolu_fake_04',
    ]);
    // The fresh screenshot answers the screenshot call; the others say OK.
    expect(batch.map(blockTypes)).toEqual([['text'], ['text'], ['text'], ['image']]);
    const [zoom, cursor] = toolResultsOf(2);
    expect(blockTypes(zoom!)).toEqual(['image']);
    expect(cursor!['content']).toEqual([
      { type: 'text', text: 'X=640,Y=60' },
      expect.objectContaining({ type: 'image' }),
    ]);
    expect(ended.usage).toMatchObject({
      model_calls: 3,
      cache_read_input_tokens: 13_000,
      cache_creation_input_tokens: 8_500,
    });
  });

  it('lands a click from the scaled frame on the right screen pixel', async () => {
    const response = await harness.request('/v1/machines', {
      method: 'POST',
      json: { width: 1920, height: 1080 },
    });
    const machine = (await response.json()) as { id: string };
    const desktop = harness.backend.desktops.at(-1)!;

    // Sonnet 4.5 sees 1920×1080 as 1456×819; (728, 409) there is the middle of the screen.
    fake.reply(
      {
        turn: {
          content: [b.computer('toolu_1', { action: 'left_click', coordinate: [728, 409] })],
        },
      },
      { turn: { content: [done()] } },
    );
    const run = await harness.createRun({
      task: 'click the middle',
      model: 'anthropic:claude-sonnet-4-5',
      machine_id: machine.id,
    });
    const ended = await harness.waitForState(run.id, ['succeeded', 'failed']);

    expect(ended.state).toBe('succeeded');
    expect(desktop.performed).toEqual([{ action: 'left_click', coordinate: [960, 540] }]);
    const [first] = await steps(run.id);
    expect(first!.frame).toMatchObject({ width: 1456, height: 819, screen_width: 1920 });
    expect(first!.actions[0]!.screen_action).toEqual({
      action: 'left_click',
      coordinate: [960, 540],
    });
    const tool = (fake.requests[0]!.body['tools'] as Record<string, unknown>[])[0]!;
    expect(tool).toMatchObject({ display_width_px: 1456, display_height_px: 819 });
  });

  it('completes after two 529s and shows the retries in the step record', async () => {
    fake.reply(overloaded, overloaded, { turn: { content: [done()] } });
    const run = await harness.createRun({ task: 'do it', model: 'anthropic:claude-sonnet-5-5' });
    const ended = await harness.waitForState(run.id, ['succeeded', 'failed']);

    expect(ended.state).toBe('succeeded');
    expect(ended.usage.model_calls).toBe(3);
    const [first] = await steps(run.id);
    expect(first!.retries).toEqual([
      { status: 529, message: 'Overloaded', delay_ms: 1 },
      { status: 529, message: 'Overloaded', delay_ms: 1 },
    ]);
    expect(fake.requests.map((r) => r.headers['x-stainless-retry-count'])).toEqual(['0', '0', '0']);
  });

  it('fails model_error with the provider message after five 529s', async () => {
    fake.reply(overloaded, overloaded, overloaded, overloaded, overloaded);
    const run = await harness.createRun({ task: 'do it', model: 'anthropic:claude-sonnet-5-5' });
    const ended = await harness.waitForState(run.id, ['succeeded', 'failed']);

    expect(ended.state).toBe('failed');
    expect(ended.error!.code).toBe('model_error');
    expect(ended.error!.message).toMatch(/HTTP 529.*after 5 attempts: Overloaded/);
    expect(fake.requests).toHaveLength(5);
  });

  it('aborts the HTTP request when the run is cancelled during a slow answer', async () => {
    fake.reply({ turn: { content: [done()] }, stallMs: 60_000 });
    const run = await harness.createRun({ task: 'do it', model: 'anthropic:claude-sonnet-5-5' });
    await waitFor(() => fake.requests.length === 1);

    const cancel = await harness.request(`/v1/runs/${run.id}/cancel`, { method: 'POST' });
    expect(cancel.status).toBe(200);
    await fake.clientClosed();
    expect(fake.requests[0]!.clientClosed).toBe(true);
    expect((await harness.getRun(run.id)).state).toBe('cancelled');
  });

  it('succeeds a v4 run on the second verdict with both verdicts in its events', async () => {
    fake.reply(
      { turn: { content: [b.text('private reasoning of the agent'), done('saved the file')] } },
      { turn: { content: [b.text('{"passed": false, "reason": "the file is not saved"}')] } },
      { turn: { content: [done('saved it with ctrl+s')] } },
      { turn: { content: [b.text('{"passed": true, "reason": "the title bar shows saved"}')] } },
    );
    const run = await harness.createRun({
      task: 'save the file',
      model: 'anthropic:claude-sonnet-5-5',
      cua_version: 'v4',
    });
    const ended = await harness.waitForState(run.id, ['succeeded', 'failed']);

    expect(ended.state).toBe('succeeded');
    expect(ended.result).toEqual({
      summary: 'saved it with ctrl+s',
      verdict: { passed: true, reason: 'the title bar shows saved' },
    });
    const verdicts = (await harness.events(run.id))
      .filter((event) => event.type === 'verification.completed')
      .map((event) => [event.data['passed'], event.data['reason']]);
    expect(verdicts).toEqual([
      [false, 'the file is not saved'],
      [true, 'the title bar shows saved'],
    ]);

    const judge = fake.requests[1]!.body;
    expect(JSON.stringify(judge['system'])).toContain(VERIFIER_SYSTEM_PROMPT.slice(0, 40));
    expect(judge['tools']).toBeUndefined();
    expect(judge['output_config']).toMatchObject({ format: { type: 'json_schema' } });
    expect(JSON.stringify(judge)).not.toContain('private reasoning');
    // The agent hears the verifier's reason as the answer to its done call.
    expect(JSON.stringify(fake.requests[2]!.body['messages'])).toContain('the file is not saved');
  });

  it('passes the human reply from resume to the model as the answer to its question', async () => {
    fake.reply({
      turn: { content: [b.tool('toolu_ask', 'ask_human', { question: 'Which account?' })] },
    });
    const run = await harness.createRun({ task: 'log in', model: 'anthropic:claude-sonnet-5-5' });
    const waiting = await harness.waitForState(run.id, ['awaiting_human', 'failed']);
    expect(waiting.awaiting_human).toMatchObject({
      reason: 'agent_request',
      message: 'Which account?',
    });

    fake.reply({ turn: { content: [done()] } });
    await harness.request(`/v1/runs/${run.id}/resume`, {
      method: 'POST',
      json: { message: 'the work account' },
    });
    expect((await harness.waitForState(run.id, ['succeeded', 'failed'])).state).toBe('succeeded');

    const messages = fake.requests[1]!.body['messages'] as { content: Record<string, unknown>[] }[];
    const answer = messages[2]!.content[0]!;
    expect(answer).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_ask' });
    expect(JSON.stringify(answer)).toContain('the work account');
  });

  it('counts tokens, cache tokens and cost per step and per run', async () => {
    const usage = {
      input_tokens: 900,
      output_tokens: 150,
      cache_read_input_tokens: 6_000,
      cache_creation_input_tokens: 1_500,
    };
    fake.reply(
      { turn: { content: [b.member('toolu_s', 'screenshot')], usage } },
      { turn: { content: [done()], usage } },
    );
    const run = await harness.createRun({ task: 'look', model: 'anthropic:claude-sonnet-5-5' });
    const ended = await harness.waitForState(run.id, ['succeeded', 'failed']);

    const perCall = costUsd(claudePrice('claude-sonnet-5-5')!, usage);
    expect(perCall).toBe((900 * 2 + 150 * 10 + 1_500 * 2.5 + 6_000 * 0.1) / 1e6);
    const [first] = await steps(run.id);
    expect(first!.usage).toEqual({ ...usage, cost_usd: perCall, model_calls: 1 });
    expect(ended.usage).toMatchObject({
      input_tokens: 1_800,
      output_tokens: 300,
      cache_read_input_tokens: 12_000,
      cache_creation_input_tokens: 3_000,
      cost_usd: 2 * perCall,
    });
  });

  it('stops before the call that would pass max_cost_usd', async () => {
    const run = await harness.createRun({
      task: 'look',
      model: 'anthropic:claude-opus-5-5',
      max_cost_usd: 0.001,
    });
    const ended = await harness.waitForState(run.id, ['succeeded', 'failed']);

    expect(ended.error!.code).toBe('budget_exceeded');
    expect(fake.requests).toHaveLength(0);
  });
});
