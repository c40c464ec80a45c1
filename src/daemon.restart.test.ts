import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DaemonHarness } from './testing/daemon-harness.ts';

let home: string;
let harness: DaemonHarness;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'deskpilot-restart-'));
});

afterEach(async () => {
  await harness.stop();
  rmSync(home, { recursive: true, force: true });
});

async function restart(): Promise<DaemonHarness> {
  await harness.stop();
  harness = await DaemonHarness.start({ home });
  return harness;
}

describe('daemon restart', () => {
  it('finds every run, event, step and screenshot on the same data dir', async () => {
    harness = await DaemonHarness.start({ home });
    const model = harness.script({
      turns: [{ actions: [{ action: 'left_click', coordinate: [3, 4] }] }, { done: true }],
    });
    const run = await harness.createRun({ task: 'keep me', model, metadata: { k: 'v' } });
    await harness.waitForState(run.id, ['succeeded']);

    const before = {
      run: await harness.getRun(run.id),
      events: await harness.events(run.id),
      steps: await (await harness.request(`/v1/runs/${run.id}/steps`)).json(),
    };
    const shotId = before.steps.data[0].screenshot_id as string;
    const shot = Buffer.from(
      await (await harness.request(`/v1/runs/${run.id}/screenshots/${shotId}`)).arrayBuffer(),
    );

    await restart();
    expect(await harness.getRun(run.id)).toEqual(before.run);
    expect(await harness.events(run.id)).toEqual(before.events);
    expect(await (await harness.request(`/v1/runs/${run.id}/steps`)).json()).toEqual(before.steps);
    const again = Buffer.from(
      await (await harness.request(`/v1/runs/${run.id}/screenshots/${shotId}`)).arrayBuffer(),
    );
    expect(again.equals(shot)).toBe(true);
  });

  it('keeps a run that awaits a human across a restart and resumes it', async () => {
    harness = await DaemonHarness.start({ home });
    const model = harness.script({
      turns: [{ needs_human: 'which one?' }, { done: true, text: 'picked it' }],
    });
    const run = await harness.createRun({ task: 'x', model });
    await harness.waitForState(run.id, ['awaiting_human']);

    await restart();
    expect((await harness.getRun(run.id)).state).toBe('awaiting_human');
    const resumed = await harness.request(`/v1/runs/${run.id}/resume`, {
      method: 'POST',
      json: { message: 'the first' },
    });
    expect(resumed.status).toBe(200);
    const done = await harness.waitForState(run.id, ['succeeded']);
    expect(done.result?.summary).toBe('picked it');
  });
});
