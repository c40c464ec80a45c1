import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDaemon } from './support/daemon.ts';

interface WaitingRun {
  state: string;
  awaiting_human: { reason: string } | null;
}

describe('a person taking the pointer on a real display', () => {
  let daemon: TestDaemon;

  beforeAll(async () => {
    daemon = await TestDaemon.start();
  });

  afterAll(async () => {
    await daemon?.stop();
  });

  it('makes the run wait for them and leaves the pointer where they put it', async () => {
    const machine = await daemon.createMachine({ width: 1024, height: 768 });
    const env = { ...process.env, DISPLAY: machine.display! };
    const pointer = () => execFileSync('xdotool', ['getmouselocation'], { env }).toString();

    const run = await daemon.createScriptedRun(machine.id, {
      turns: [
        { actions: [{ action: 'left_click', coordinate: [100, 100] }] },
        { delay_ms: 3000, actions: [{ action: 'left_click', coordinate: [200, 200] }] },
        { done: true, text: 'done after the person' },
      ],
    });
    await daemon.waitForRun(run.id, 20_000, (current) => current.steps_taken >= 1);
    expect(pointer()).toMatch(/^x:100 y:100 /);

    // The person moves the mouse while the model is still thinking about its second turn.
    execFileSync('xdotool', ['mousemove', '600', '400'], { env });
    const waiting = (await daemon.waitForRun(
      run.id,
      20_000,
      (current) => current.state === 'awaiting_human',
    )) as unknown as WaitingRun;
    expect(waiting.awaiting_human?.reason).toBe('user_input_detected');
    await daemon.waitForRun(run.id, 20_000, (current) => current.steps_taken >= 2);
    expect(pointer()).toMatch(/^x:600 y:400 /);

    await daemon.request('POST', `/v1/runs/${run.id}/resume`, {});
    const done = await daemon.waitForRun(run.id, 20_000);
    expect(done.state).toBe('succeeded');
    expect(pointer()).toMatch(/^x:600 y:400 /);
  });
});
