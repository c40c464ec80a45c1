import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DaemonHarness } from '../../testing/daemon-harness.ts';
import { FakeOpenAIServer } from '../testing/fake-openai-server.ts';
import { openAICompatibleProvider } from './index.ts';

/**
 * Whole runs through the daemon with UI-TARS and Qwen-VL played by a fake OpenAI-compatible
 * server, reached by the real `openai` SDK over HTTP on 127.0.0.1.
 */

interface Fixture {
  screen: { width: number; height: number };
  answers: { model: string; target: [number, number]; content: string }[];
  finish: { 'ui-tars': string; qwen: string };
}

const fixture = JSON.parse(
  readFileSync(
    new URL('../../../fixtures/models/open-model-answers.json', import.meta.url),
    'utf8',
  ),
) as Fixture;

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
    providers: [
      openAICompatibleProvider({
        baseURL: fake.url,
        apiKey: null,
        keepImages: 2,
        retryPolicy: { maxRetries: 2, baseDelayMs: 5, maxDelayMs: 20, deadlineMarginMs: 100 },
      }),
    ],
  });
});

afterEach(async () => {
  await harness.stop();
  expect(fake.problems).toEqual([]);
});

function finishFor(model: string): string {
  return /tars/i.test(model) ? fixture.finish['ui-tars'] : fixture.finish.qwen;
}

async function wideMachine(): Promise<string> {
  const response = await harness.request('/v1/machines', { method: 'POST', json: fixture.screen });
  return ((await response.json()) as { id: string }).id;
}

describe('open model runs', () => {
  for (const answer of fixture.answers) {
    it(`lands a ${answer.model} click on the screen pixel it means`, async () => {
      const machineId = await wideMachine();
      const desktop = harness.backend.desktops.at(-1)!;
      fake.reply({ content: answer.content }, { content: finishFor(answer.model) });

      const run = await harness.createRun({
        task: 'save the file',
        model: `openai-compatible:${answer.model}`,
        machine_id: machineId,
      });
      const ended = await harness.waitForState(run.id, ['succeeded', 'failed']);

      expect(ended.error).toBeNull();
      expect(desktop.performed).toEqual([{ action: 'left_click', coordinate: answer.target }]);
      expect(fake.requests[0]!.body['model']).toBe(answer.model);
    });
  }

  it('tells Qwen2.5-VL the resized resolution and Qwen3-VL the relative one', async () => {
    const machineId = await wideMachine();
    fake.reply({ content: fixture.finish.qwen }, { content: fixture.finish.qwen });
    for (const model of ['qwen2.5vl:7b', 'qwen3-vl:8b']) {
      const run = await harness.createRun({
        task: 'look',
        model: `openai-compatible:${model}`,
        machine_id: machineId,
      });
      await harness.waitForState(run.id, ['succeeded', 'failed']);
    }
    const systems = fake.requests.map((request) => {
      const messages = request.body['messages'] as { role: string; content: string }[];
      return messages[0]!.role === 'system' ? messages[0]!.content : '';
    });
    expect(systems[0]).toContain("The screen's resolution is 1932x1092.");
    expect(systems[1]).toContain("The screen's resolution is 1000x1000.");
  });

  it('sends screenshots as data URLs and keeps only the newest in the history', async () => {
    const scroll = "Thought: scroll\nAction: scroll(start_box='(10,10)', direction='down')";
    fake.reply(
      { content: scroll },
      { content: scroll },
      { content: scroll },
      { content: fixture.finish['ui-tars'] },
    );
    const run = await harness.createRun({
      task: 'read on',
      model: 'openai-compatible:ui-tars-1.5-7b',
    });
    await harness.waitForState(run.id, ['succeeded', 'failed']);

    const last = JSON.stringify(fake.requests.at(-1)!.body['messages']);
    expect(last.split('data:image/png;base64,').length - 1).toBe(2);
    expect(last).toContain('an older screenshot, removed');
  });

  it('waits for the human after call_user and hands their answer to the model', async () => {
    fake.reply({ content: 'Thought: Which account should I use?\nAction: call_user()' });
    const run = await harness.createRun({
      task: 'log in',
      model: 'openai-compatible:ui-tars-1.5-7b',
    });
    const waiting = await harness.waitForState(run.id, ['awaiting_human', 'failed']);
    expect(waiting.awaiting_human?.message).toBe('Which account should I use?');

    fake.reply({ content: fixture.finish['ui-tars'] });
    await harness.request(`/v1/runs/${run.id}/resume`, {
      method: 'POST',
      json: { message: 'the work one' },
    });
    const ended = await harness.waitForState(run.id, ['succeeded', 'failed']);
    expect(ended.result?.summary).toBe('Saved the file.');
    expect(JSON.stringify(fake.requests[1]!.body['messages'])).toContain(
      'The user answered: the work one',
    );
  });

  it('tells the model once about an unusable answer, then fails model_error', async () => {
    fake.reply({ content: 'I would click the button.' }, { content: 'Really, the button.' });
    const run = await harness.createRun({
      task: 'click',
      model: 'openai-compatible:ui-tars-1.5-7b',
    });
    const ended = await harness.waitForState(run.id, ['succeeded', 'failed']);

    expect(ended.error).toEqual({
      code: 'model_error',
      message: `the model's answer could not be used twice: the answer has no "Action:" line`,
    });
    expect(JSON.stringify(fake.requests[1]!.body)).toContain('could not be used');
  });

  it('fails agent_gave_up when Qwen terminates with failure', async () => {
    fake.reply({
      content:
        'There is no such file.\n<tool_call>\n' +
        '{"name": "computer_use", "arguments": {"action": "terminate", "status": "failure"}}\n' +
        '</tool_call>',
    });
    const run = await harness.createRun({
      task: 'open it',
      model: 'openai-compatible:qwen3-vl:8b',
    });
    const ended = await harness.waitForState(run.id, ['succeeded', 'failed']);
    expect(ended.error?.code).toBe('agent_gave_up');
    expect(ended.error?.message).toContain('There is no such file.');
  });

  it('retries a 503 as the server asks, then goes on', async () => {
    fake.reply(
      { status: 503, message: 'model is loading', headers: { 'retry-after-ms': '3' } },
      { content: fixture.finish['ui-tars'] },
    );
    const run = await harness.createRun({
      task: 'save',
      model: 'openai-compatible:ui-tars-1.5-7b',
    });
    await harness.waitForState(run.id, ['succeeded', 'failed']);
    const steps = (await (await harness.request(`/v1/runs/${run.id}/steps`)).json()) as {
      data: { retries: unknown[] }[];
    };
    expect(steps.data[0]!.retries).toEqual([
      { status: 503, message: 'model is loading', delay_ms: 3 },
    ]);
  });

  it('judges a v4 run with its own prompt', async () => {
    fake.reply(
      { content: fixture.finish['ui-tars'] },
      { content: '```json\n{"passed": true, "reason": "saved"}\n```' },
    );
    const run = await harness.createRun({
      task: 'save',
      model: 'openai-compatible:ui-tars-1.5-7b',
      cua_version: 'v4',
    });
    const ended = await harness.waitForState(run.id, ['succeeded', 'failed']);
    expect(ended.result?.verdict).toEqual({ passed: true, reason: 'saved' });
    const judge = fake.requests[1]!.body['messages'] as { role: string; content: unknown }[];
    expect(judge[0]!.role).toBe('system');
    expect(String(judge[0]!.content)).toContain('You check the work of a computer-use agent');
    expect(judge).toHaveLength(2);
  });

  it('refuses a model whose format it cannot tell', async () => {
    const response = await harness.request('/v1/runs', {
      method: 'POST',
      json: { task: 'x', model: 'openai-compatible:llava:13b' },
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { param: string; message: string } };
    expect(body.error.param).toBe('model');
    expect(body.error.message).toMatch(/#format/);
  });
});
