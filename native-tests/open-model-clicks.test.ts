import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAnthropicServer, fakeBlocks } from '../src/models/testing/fake-anthropic-server.ts';
import { FakeOpenAIServer } from '../src/models/testing/fake-openai-server.ts';
import { REPO_ROOT, TestDaemon } from './support/daemon.ts';
import { PageServer } from './support/page-server.ts';

/**
 * A real daemon on a real Xvfb display, with Claude, UI-TARS and Qwen-VL played by the fake
 * servers: each model's answer, in its own coordinate space, must click the screen pixel it
 * means in a browser page that records what it receives.
 */

interface Fixture {
  screen: { width: number; height: number };
  answers: { model: string; target: [number, number]; content: string }[];
  finish: { 'ui-tars': string; qwen: string };
}

const fixture = JSON.parse(
  readFileSync(join(REPO_ROOT, 'fixtures', 'models', 'open-model-answers.json'), 'utf8'),
) as Fixture;

describe('open model answers on a real display', () => {
  let fake: FakeOpenAIServer;
  let claude: FakeAnthropicServer;
  let pages: PageServer;
  let daemon: TestDaemon;

  beforeAll(async () => {
    fake = await FakeOpenAIServer.start();
    claude = await FakeAnthropicServer.start();
    pages = await PageServer.start();
    daemon = await TestDaemon.start({
      env: {
        OPENAI_BASE_URL: fake.url,
        OPENAI_API_KEY: 'sk-fake-local',
        ANTHROPIC_BASE_URL: claude.url,
        ANTHROPIC_API_KEY: 'sk-fake-claude',
      },
    });
  });

  afterAll(async () => {
    await daemon?.stop();
    await pages?.close();
    await fake?.close();
    await claude?.close();
  });

  const cases = fixture.answers.filter((answer) =>
    ['ui-tars-1.5-7b', 'qwen2.5-vl-7b-instruct', 'Qwen/Qwen3-VL-8B-Instruct'].includes(
      answer.model,
    ),
  );

  async function pageMachine(): Promise<string> {
    pages.events.length = 0;
    const machine = await daemon.createMachine({
      ...fixture.screen,
      launch: [{ browser: pages.pageUrl('input-recorder.html') }],
    });
    await pages.waitFor((event) => event.type === 'ready', 20_000, 'the page to load');
    return machine.id;
  }

  async function clickedNear([x, y]: [number, number]): Promise<void> {
    const click = await pages.waitFor(
      (event) =>
        event.type === 'click' &&
        Math.abs((event['x'] as number) - x) <= 1 &&
        Math.abs((event['y'] as number) - y) <= 1,
      5_000,
      `a click at ${x},${y}`,
    );
    expect(click['button']).toBe(0);
  }

  it('clicks where a claude-sonnet-4-5 answer in its 1456×819 frame points', async () => {
    const machineId = await pageMachine();
    claude.reply(
      {
        turn: {
          content: [
            fakeBlocks.computer('toolu_1', { action: 'left_click', coordinate: [1137, 682] }),
          ],
        },
      },
      { turn: { content: [fakeBlocks.tool('toolu_2', 'done', { summary: 'clicked' })] } },
    );
    const created = await daemon.request<{ id: string }>('POST', '/v1/runs', {
      task: 'click Save',
      machine_id: machineId,
      model: 'anthropic:claude-sonnet-4-5',
    });
    const ended = await daemon.waitForRun(created.body.id, 45_000);
    expect(ended.state, JSON.stringify(ended.error)).toBe('succeeded');

    await clickedNear([1500, 900]);
    expect(claude.problems).toEqual([]);
    const tool = (claude.requests[0]!.body['tools'] as Record<string, unknown>[])[0]!;
    expect(tool).toMatchObject({ display_width_px: 1456, display_height_px: 819 });
    await daemon.request('DELETE', `/v1/machines/${machineId}`);
  });

  for (const answer of cases) {
    it(`clicks where a ${answer.model} answer points`, async () => {
      const machineId = await pageMachine();

      const finish = /tars/i.test(answer.model) ? fixture.finish['ui-tars'] : fixture.finish.qwen;
      fake.reply({ content: answer.content }, { content: finish });
      const created = await daemon.request<{ id: string }>('POST', '/v1/runs', {
        task: 'click Save',
        machine_id: machineId,
        model: `openai-compatible:${answer.model}`,
      });
      expect(created.status).toBe(201);
      const ended = await daemon.waitForRun(created.body.id, 45_000);
      expect(ended.state, JSON.stringify(ended.error)).toBe('succeeded');

      await clickedNear(answer.target);
      expect(fake.problems).toEqual([]);
      await daemon.request('DELETE', `/v1/machines/${machineId}`);
    });
  }
});
