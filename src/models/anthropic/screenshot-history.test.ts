import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Frame } from '../../desktop/desktop.ts';
import { silentLogger } from '../../log.ts';
import {
  FakeAnthropicServer,
  fakeBlocks as b,
  type SeenRequest,
} from '../testing/fake-anthropic-server.ts';
import { fakeFrame, observation, ok, sessionInit } from '../testing/frames.ts';
import type { AgentSession } from '../vision-model.ts';
import { anthropicProvider } from './index.ts';

/**
 * Screenshot history on models whose thinking is bound to the prompt prefix (MODELS.md §1.6):
 * Fable 5.1 and Opus 5.5 keep every screenshot, and once one must go, each later request asks
 * the API to drop the thinking it invalidated. The fake refuses a changed prefix for them, as
 * the real API does.
 */

const BOUND = ['claude-opus-5-5', 'claude-fable-5-1'];
const BINDING_BETA = 'thinking-binding-controls-2026-08-01';

let fake: FakeAnthropicServer;
let frame: Frame;

beforeAll(async () => {
  fake = await FakeAnthropicServer.start({ prefixChecked: BOUND });
  frame = await fakeFrame({ width: 1280, height: 800 });
});

afterAll(async () => {
  await fake.close();
});

beforeEach(() => {
  fake.requests.length = 0;
  fake.problems.length = 0;
});

function session(model: string): AgentSession {
  const provider = anthropicProvider({
    apiKey: 'sk-fake-key',
    baseURL: fake.url,
    history: { keep: 2, pruneBatch: 3 },
    log: silentLogger(),
    retryPolicy: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1, deadlineMarginMs: 0 },
  });
  return provider.create(model).startSession(sessionInit());
}

function imagesIn(request: SeenRequest): number {
  return JSON.stringify(request.body['messages']).split('"type":"image"').length - 1;
}

type Results = ReturnType<typeof ok>[];
const signal = new AbortController().signal;

/** Plays `steps` turns that each think, then ask for a screenshot; returns the last results. */
async function screenshotSteps(
  agent: AgentSession,
  steps: number,
  from = 0,
  results: Results = [],
): Promise<Results> {
  let previous = results;
  for (let step = from; step < from + steps; step += 1) {
    fake.reply({
      turn: {
        content: [
          b.thinking(`look ${step}`, `sig-${step}`),
          b.member(`toolu_${step}`, 'screenshot'),
        ],
      },
    });
    const turn = await agent.next(observation(frame, { results: previous }), signal);
    previous = turn.actions.map((action) => ok(action));
  }
  return previous;
}

describe('screenshot history of models whose thinking is bound', () => {
  it('keeps every screenshot on fable 5.1 and opus 5.5 while sonnet 5.5 prunes', async () => {
    const sent: Record<string, number[]> = {};
    for (const model of [...BOUND, 'claude-sonnet-5-5']) {
      fake.requests.length = 0;
      await screenshotSteps(session(model), 8);
      sent[model] = fake.requests.map(imagesIn);

      const bodies = fake.requests.map((request) => JSON.stringify(request.body));
      const pruned = bodies.some((body) => body.includes('an older screenshot, removed'));
      expect(pruned).toBe(model === 'claude-sonnet-5-5');
      expect(fake.requests.some((request) => 'thinking' in request.body)).toBe(false);
      expect(fake.requests.some((request) => request.headers['anthropic-beta'])).toBe(false);
    }

    expect(sent).toEqual({
      'claude-opus-5-5': [1, 2, 3, 4, 5, 6, 7, 8],
      'claude-fable-5-1': [1, 2, 3, 4, 5, 6, 7, 8],
      'claude-sonnet-5-5': [1, 2, 3, 4, 2, 3, 4, 2],
    });
    expect(fake.problems).toEqual([]);
  });

  it('asks the API to drop stale thinking on every request once it had to prune', async () => {
    const agent = session('claude-opus-5-5');
    const results = await screenshotSteps(agent, 3);
    // The context is full: every screenshot but the newest goes, which changes the prefix.
    fake.reply({ turn: { content: [], stop_reason: 'model_context_window_exceeded' } });
    await screenshotSteps(agent, 2, 3, results);

    const [full, pruned, later] = fake.requests.slice(-3) as [
      SeenRequest,
      SeenRequest,
      SeenRequest,
    ];
    expect(full.body['thinking']).toBeUndefined();
    for (const request of [pruned, later]) {
      expect(request.body['thinking']).toEqual({
        type: 'adaptive',
        block_binding: { prefix_mismatch_behavior: 'drop_block' },
      });
      expect(request.headers['anthropic-beta']).toBe(BINDING_BETA);
      expect(request.droppedThinking).toBeGreaterThan(0);
    }
    expect(imagesIn(pruned)).toBe(1);
    expect(fake.problems).toEqual([]);
  });

  it('sends a bound model on a beta tool both beta headers', async () => {
    const fable = await FakeAnthropicServer.start({
      prefixChecked: ['claude-fable-5-1'],
      accepts: { 'claude-fable-5-1': ['computer_20251124'] },
    });
    const agent = anthropicProvider({
      apiKey: 'sk-fake-key',
      baseURL: fable.url,
      history: { keep: 2, pruneBatch: 3 },
      log: silentLogger(),
    })
      .create('claude-fable-5-1')
      .startSession(sessionInit());
    fable.reply(
      {
        turn: {
          content: [b.thinking('look', 'sig-f'), b.computer('toolu_f', { action: 'screenshot' })],
        },
      },
      { turn: { content: [], stop_reason: 'model_context_window_exceeded' } },
      { turn: { content: [b.tool('toolu_d', 'done', { summary: 'done' })] } },
    );
    const first = await agent.next(observation(frame), signal);
    const results = first.actions.map((action) => ok(action));
    await agent.next(observation(frame, { results }), signal);
    await fable.close();

    expect(fable.requests.at(-1)!.headers['anthropic-beta']).toBe(
      `computer-use-2025-11-24,${BINDING_BETA}`,
    );
    expect(fable.problems).toEqual([]);
  });
});
