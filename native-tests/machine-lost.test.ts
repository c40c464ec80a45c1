import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDaemon, type Machine } from './support/daemon.ts';
import {
  commandOf,
  descendants,
  displayServerPid,
  isAlive,
  waitUntil,
} from './support/processes.ts';

/** Many slow steps, so that the run is surely still going when its display is killed. */
const SLOW_SCRIPT = {
  turns: Array.from({ length: 60 }, (_, i) => ({
    delay_ms: 250,
    actions: [{ action: 'mouse_move', coordinate: [100 + i, 100 + i] }],
  })),
};

describe('a display that dies under a run', () => {
  let daemon: TestDaemon;

  beforeAll(async () => {
    daemon = await TestDaemon.start();
  });

  afterAll(async () => {
    await daemon?.stop();
  });

  it('ends the run machine_lost while the daemon keeps serving and new machines work', async () => {
    const machine = await daemon.createMachine({ width: 1024, height: 768 });
    const xvfb = displayServerPid(machine.display!);
    expect(xvfb, `no X server found for ${machine.display}`).not.toBeNull();

    const run = await daemon.createScriptedRun(machine.id, SLOW_SCRIPT);
    await daemon.waitForRun(run.id, 20_000, (r) => r.state === 'running' && r.steps_taken >= 2);
    process.kill(xvfb!, 'SIGKILL');

    const ended = await daemon.waitForRun(run.id, 15_000);
    expect(ended.state).toBe('failed');
    expect(ended.error?.code).toBe('machine_lost');
    await waitUntil(() => !isAlive(xvfb!), 5000, 'the killed X server to be gone');

    const health = await daemon.request<{ ok: boolean }>('GET', '/v1/health');
    expect(health.body.ok).toBe(true);
    const lost = await daemon.request<Machine>('GET', `/v1/machines/${machine.id}`);
    expect(lost.body.state).toBe('lost');

    const fresh = await daemon.createMachine({ width: 800, height: 600 });
    const next = await daemon.createScriptedRun(fresh.id, {
      turns: [
        {
          actions: [{ action: 'left_click', coordinate: [10, 10] }, { action: 'cursor_position' }],
        },
        { done: true, text: 'still working' },
      ],
    });
    const finished = await daemon.waitForRun(next.id, 20_000);
    expect(finished.state, JSON.stringify(finished.error)).toBe('succeeded');
    await daemon.request('DELETE', `/v1/machines/${fresh.id}`);
  });

  it('refuses a machine whose program cannot start, and keeps no process of it', async () => {
    const response = await daemon.request<{ error: { code: string; message: string } }>(
      'POST',
      '/v1/machines',
      { launch: [{ command: ['deskpilot-no-such-program'] }] },
    );
    expect(response.status).toBe(503);
    expect(response.body.error.message).toMatch(/deskpilot-no-such-program/);
    const left = descendants(daemon.pid).map(commandOf);
    expect(left).not.toContain('Xvfb');
  });
});
