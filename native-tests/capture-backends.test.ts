import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDaemon } from './support/daemon.ts';
import { waitUntil } from './support/processes.ts';
import { startTestDisplay } from './support/xvfb.ts';

describe('capture backends', () => {
  let screen: Awaited<ReturnType<typeof startTestDisplay>>;
  let xterm: ChildProcess;
  const daemons: TestDaemon[] = [];

  beforeAll(async () => {
    screen = await startTestDisplay(1280, 800);
    const env = { ...process.env, DISPLAY: screen.display };
    // Coloured, so that a swap of red and blue, which grey pixels would hide, shows.
    const colours = ['-bg', '#2050d0', '-fg', '#f0c020'];
    const geometry = ['-geometry', '80x20+40+30'];
    xterm = spawn('xterm', [...colours, ...geometry, '-e', 'bash', '--norc', '--noprofile'], {
      env,
      stdio: 'ignore',
    });
    await waitUntil(
      () => {
        try {
          execFileSync('xdotool', ['search', '--onlyvisible', '--class', 'xterm'], { env });
          return true;
        } catch {
          return false;
        }
      },
      10_000,
      'the xterm window',
    );
    for (const capture of ['grab', 'screenshot-desktop']) {
      daemons.push(
        await TestDaemon.start({ env: { DISPLAY: screen.display, DESKPILOT_CAPTURE: capture } }),
      );
    }
  });

  afterAll(async () => {
    for (const daemon of daemons) await daemon.stop();
    if (xterm?.pid) process.kill(xterm.pid, 'SIGKILL');
    await screen?.stop();
  });

  it('gives the same picture of a screen with grab as with screenshot-desktop', async () => {
    const pictures = [];
    for (const daemon of daemons) {
      const response = await fetch(`${daemon.url}/v1/machines/local/screenshot`, {
        headers: { authorization: `Bearer ${daemon.apiKey}` },
      });
      expect(response.status).toBe(200);
      const { data, info } = await sharp(Buffer.from(await response.arrayBuffer()))
        .removeAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      pictures.push({ data, width: info.width, height: info.height });
    }

    const [grab, portable] = pictures;
    expect([grab!.width, grab!.height]).toEqual([1280, 800]);
    expect([portable!.width, portable!.height]).toEqual([1280, 800]);

    let differing = 0;
    for (let i = 0; i < grab!.data.length; i += 1) {
      if (Math.abs(grab!.data[i]! - portable!.data[i]!) > 2) differing += 1;
    }
    expect(differing).toBe(0);

    // The xterm's blue, where it was put: both backends agree on colour and place, not only on
    // each other.
    const at = (x: number, y: number) =>
      grab!.data.subarray((y * 1280 + x) * 3, (y * 1280 + x) * 3 + 3);
    expect([...at(300, 200)]).toEqual([0x20, 0x50, 0xd0]);
    expect([...at(20, 20)]).not.toEqual([0x20, 0x50, 0xd0]);
  });
});
