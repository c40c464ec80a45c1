import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../log.ts';
import { DesktopLostError } from '../desktop.ts';
import { WorkerDesktop } from './worker-desktop.ts';

const MISBEHAVING = fileURLToPath(new URL('./testing/misbehaving-worker.ts', import.meta.url));
const SPEC = { maxWidth: 640, maxHeight: 480, format: 'png' as const };

const started: WorkerDesktop[] = [];

async function startFake(mode: string, callMarginMs = 5000): Promise<WorkerDesktop> {
  vi.stubEnv('DESKPILOT_FAKE_WORKER', mode);
  const desktop = await WorkerDesktop.start({
    display: ':fake',
    log: silentLogger(),
    entry: MISBEHAVING,
    callMarginMs,
  });
  vi.unstubAllEnvs();
  started.push(desktop);
  return desktop;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function eventually(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition never held');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((desktop) => desktop.close()));
});

describe('WorkerDesktop', () => {
  it('rejects the call in flight and tells listeners once when the X server dies', async () => {
    const desktop = await startFake('crash');
    const lost = vi.fn();
    desktop.onLost(lost);

    const call = desktop.perform({ action: 'left_click', coordinate: [1, 1] }, SPEC);
    await expect(call).rejects.toBeInstanceOf(DesktopLostError);
    await expect(call).rejects.toThrow('the X server went away');
    await expect(desktop.cursorPosition()).rejects.toBeInstanceOf(DesktopLostError);
    expect(lost).toHaveBeenCalledTimes(1);
    expect(lost).toHaveBeenCalledWith('the X server went away');
  });

  it('kills a worker that does not answer in time and reports the display lost', async () => {
    const desktop = await startFake('hang', 300);
    const pid = desktop.pid!;
    const lost = vi.fn();
    desktop.onLost(lost);

    await expect(desktop.capture(SPEC)).rejects.toThrow(/did not answer capture within 300 ms/);
    await eventually(() => !alive(pid));
    expect(lost).toHaveBeenCalledTimes(1);
  });

  it('stops the helpers a worker started when the worker is killed', async () => {
    const desktop = await startFake('helper');
    await desktop.perform({ action: 'type', text: 'é' }, SPEC);
    const helpers = execFileSync('pgrep', ['-P', `${desktop.pid}`, 'sleep'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map(Number);
    expect(helpers).toHaveLength(1);

    desktop.markLost('the test pulled the plug');
    await eventually(() => !alive(helpers[0]!));
  });

  it('closes without calling its display lost', async () => {
    const desktop = await startFake('crash');
    const lost = vi.fn();
    desktop.onLost(lost);
    await desktop.close();
    await expect(desktop.cursorPosition()).rejects.toThrow('the desktop was closed');
    expect(lost).not.toHaveBeenCalled();
  });

  it('refuses a display that does not answer before loading anything native', async () => {
    const start = WorkerDesktop.start({ display: ':987', log: silentLogger() });
    await expect(start).rejects.toThrow('the X display ":987" does not answer');
  });
});
