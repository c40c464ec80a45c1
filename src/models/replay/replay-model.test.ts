import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DaemonHarness } from '../../testing/daemon-harness.ts';

let harness: DaemonHarness;

beforeEach(async () => {
  harness = await DaemonHarness.start();
});

afterEach(async () => {
  await harness.stop();
});

async function machine(width: number, height: number): Promise<string> {
  const response = await harness.request('/v1/machines', {
    method: 'POST',
    json: { width, height },
  });
  return ((await response.json()) as { id: string }).id;
}

describe('replay provider', () => {
  it("plays an earlier run's turns again, rescaled to the current screen", async () => {
    const original = await harness.createRun({
      task: 'fill the form',
      model: harness.script({
        turns: [
          {
            text: 'Clicking the field',
            actions: [{ action: 'left_click', coordinate: [640, 400] }],
          },
          {
            actions: [
              { action: 'type', text: 'hello' },
              { action: 'key', text: 'Return' },
            ],
          },
          { done: true, text: 'Submitted the form' },
        ],
      }),
    });
    expect((await harness.waitForState(original.id, ['succeeded', 'failed'])).state).toBe(
      'succeeded',
    );

    const wide = await machine(2560, 1600);
    const desktop = harness.backend.desktops.at(-1)!;
    const replay = await harness.createRun({
      task: 'fill the form',
      model: `replay:${original.id}`,
      machine_id: wide,
    });
    const ended = await harness.waitForState(replay.id, ['succeeded', 'failed']);

    expect(ended.state).toBe('succeeded');
    expect(ended.result?.summary).toBe('Submitted the form');
    expect(desktop.performed).toEqual([
      { action: 'left_click', coordinate: [1280, 800] },
      { action: 'type', text: 'hello' },
      { action: 'key', text: 'Return' },
    ]);
  });

  it('replays the recorded verdicts for a v4 run', async () => {
    const original = await harness.createRun({
      task: 'check',
      cua_version: 'v4',
      model: harness.script({
        turns: [
          { done: true, text: 'first try' },
          { done: true, text: 'second try' },
        ],
        verdicts: [
          { passed: false, reason: 'not yet' },
          { passed: true, reason: 'now it is' },
        ],
      }),
    });
    await harness.waitForState(original.id, ['succeeded', 'failed']);

    const replay = await harness.createRun({
      task: 'check',
      cua_version: 'v4',
      model: `replay:${original.id}`,
    });
    const ended = await harness.waitForState(replay.id, ['succeeded', 'failed']);
    expect(ended.result).toEqual({
      summary: 'second try',
      verdict: { passed: true, reason: 'now it is' },
    });
  });

  it('fails model_error for a missing run, and refuses a name that is no run id', async () => {
    const run = await harness.createRun({
      task: 'x',
      model: 'replay:run_00000000000000000000000000',
    });
    const ended = await harness.waitForState(run.id, ['succeeded', 'failed']);
    expect(ended.error).toEqual({
      code: 'model_error',
      message: 'there is no run run_00000000000000000000000000 to replay',
    });

    const refused = await harness.request('/v1/runs', {
      method: 'POST',
      json: { task: 'x', model: 'replay:yesterday' },
    });
    expect(refused.status).toBe(400);
  });
});
