import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDaemon, type Machine } from './support/daemon.ts';
import { waitUntil } from './support/processes.ts';
import { startTestDisplay } from './support/xvfb.ts';

describe('the local machine: the display the daemon was started in', () => {
  let screen: Awaited<ReturnType<typeof startTestDisplay>>;
  let daemon: TestDaemon;

  beforeAll(async () => {
    screen = await startTestDisplay(1366, 768);
    daemon = await TestDaemon.start({ env: { DISPLAY: screen.display } });
  });

  afterAll(async () => {
    await daemon?.stop();
    await screen?.stop();
  });

  it('shows the screen at its own size and turns lost when its X server dies', async () => {
    const list = await daemon.request<{ data: Machine[] }>('GET', '/v1/machines');
    const local = list.body.data.find((machine) => machine.id === 'local')!;
    expect(local).toMatchObject({ state: 'ready', width: 1366, height: 768 });

    const shot = await fetch(`${daemon.url}/v1/machines/local/screenshot`, {
      headers: { authorization: `Bearer ${daemon.apiKey}` },
    });
    expect(shot.status).toBe(200);
    const meta = await sharp(Buffer.from(await shot.arrayBuffer())).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 1366, 768]);

    // Nothing calls the idle desktop; it must notice on its own.
    process.kill(screen.pid, 'SIGKILL');
    await waitUntil(
      async () =>
        (await daemon.request<Machine>('GET', '/v1/machines/local')).body.state === 'lost',
      10_000,
      'the local machine to turn lost',
    );
    const health = await daemon.request<{ ok: boolean }>('GET', '/v1/health');
    expect(health.body.ok).toBe(true);
  });
});
