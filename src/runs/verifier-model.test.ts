import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../log.ts';
import { anthropicProvider } from '../models/anthropic/index.ts';
import { claudePrice, costUsd } from '../models/pricing.ts';
import { FakeAnthropicServer, fakeBlocks as b } from '../models/testing/fake-anthropic-server.ts';
import { VERIFIER_SYSTEM_PROMPT } from '../models/verifier.ts';
import { DaemonHarness } from '../testing/daemon-harness.ts';

/**
 * v4 runs judged by the daemon's separate verifier model (DESKPILOT_VERIFIER_MODEL): the agent is
 * a scripted model, the judge is Claude played by the fake Messages API on 127.0.0.1.
 */

const JUDGE = 'claude-opus-5-5';

let fake: FakeAnthropicServer;
let harness: DaemonHarness | null = null;

beforeAll(async () => {
  fake = await FakeAnthropicServer.start();
});

afterAll(async () => {
  await fake.close();
});

beforeEach(() => {
  fake.requests.length = 0;
  fake.problems.length = 0;
});

afterEach(async () => {
  await harness?.stop();
  harness = null;
  expect(fake.problems).toEqual([]);
});

function claude() {
  return anthropicProvider({
    apiKey: 'sk-fake-key',
    baseURL: fake.url,
    history: { keep: 3, pruneBatch: 10 },
    log: silentLogger(),
  });
}

/** A scripted agent that says it is done at once, with a verdict of its own that must go unused. */
function agentScript(home: string): string {
  const path = join(home, 'agent.json');
  const script = {
    turns: [
      {
        text: 'Saved the file.',
        done: true,
        usage: { input_tokens: 1_000, output_tokens: 50 },
        cost_usd: 0.01,
      },
    ],
    verdicts: [{ passed: false, reason: 'the agent model judged its own work' }],
  };
  writeFileSync(path, JSON.stringify(script));
  return `scripted:${path}`;
}

describe('a separate verifier model', () => {
  it('gives the verdict of a v4 run and counts both models in its usage', async () => {
    harness = await DaemonHarness.start({
      providers: [claude()],
      env: { DESKPILOT_VERIFIER_MODEL: `anthropic:${JUDGE}` },
    });
    const judged = { input_tokens: 2_000, output_tokens: 30 };
    fake.reply({
      turn: {
        content: [b.text('{"passed": true, "reason": "the title bar shows saved"}')],
        usage: judged,
      },
    });

    const run = await harness.createRun({
      task: 'save the file',
      model: agentScript(harness.home),
      cua_version: 'v4',
    });
    const ended = await harness.waitForState(run.id, ['succeeded', 'failed']);

    expect(ended.result?.verdict).toEqual({ passed: true, reason: 'the title bar shows saved' });
    expect(fake.requests).toHaveLength(1);
    const request = fake.requests[0]!.body;
    expect(request['model']).toBe(JUDGE);
    expect(JSON.stringify(request['system'])).toContain(VERIFIER_SYSTEM_PROMPT.slice(0, 40));

    const judgeCost = costUsd(claudePrice(JUDGE)!, {
      ...judged,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 0,
    });
    expect(ended.usage).toMatchObject({
      input_tokens: 3_000,
      output_tokens: 80,
      model_calls: 2,
      steps: 1,
    });
    expect(ended.usage.cost_usd).toBeCloseTo(0.01 + judgeCost, 6);
  });

  it('judges a v4 run with its own model when none is set', async () => {
    harness = await DaemonHarness.start({ providers: [claude()] });
    const run = await harness.createRun({
      task: 'save the file',
      model: agentScript(harness.home),
      cua_version: 'v4',
      max_steps: 1,
    });
    const ended = await harness.waitForState(run.id, ['succeeded', 'failed']);

    expect(fake.requests).toHaveLength(0);
    expect(ended.error?.code).toBe('verification_failed');
    const events = await harness.events(run.id);
    const verdict = events.find((event) => event.type === 'verification.completed');
    expect(verdict?.data).toMatchObject({ reason: 'the agent model judged its own work' });
  });

  it('refuses to start with a verifier model it cannot make, naming the setting', () => {
    const home = mkdtempSync(join(tmpdir(), 'deskpilot-verifier-'));
    const keyless = anthropicProvider({
      apiKey: null,
      baseURL: null,
      history: { keep: 3, pruneBatch: 10 },
      log: silentLogger(),
    });
    try {
      expect(
        () =>
          new DaemonHarness({
            home,
            providers: [keyless],
            env: { DESKPILOT_VERIFIER_MODEL: `anthropic:${JUDGE}` },
          }),
      ).toThrow(/^DESKPILOT_VERIFIER_MODEL cannot be used: .*ANTHROPIC_API_KEY/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
