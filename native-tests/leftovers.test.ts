import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { machineFolderPrefix } from '../src/machines/x11/leftovers.ts';
import { TestDaemon } from './support/daemon.ts';
import { commandOf, descendants, isAlive, killAll, waitUntil } from './support/processes.ts';
import { xtermIn } from './support/xterm.ts';

describe('a daemon killed with its machines running', () => {
  const home = mkdtempSync(join(tmpdir(), 'deskpilot-leftovers-'));
  const daemons: TestDaemon[] = [];
  let started: number[] = [];

  afterAll(async () => {
    for (const daemon of daemons) await daemon.stop();
    // Should the second daemon not stop them, the test still leaves nothing running.
    killAll(started.filter(isAlive));
    rmSync(home, { recursive: true, force: true });
  });

  it('leaves no process behind once the next daemon starts on the same data dir', async () => {
    const first = await TestDaemon.start({ env: { DESKPILOT_HOME: home } });
    daemons.push(first);
    await first.createMachine({ width: 800, height: 600, launch: [xtermIn(home)] });
    started = descendants(first.pid);
    const names = started.map((pid) => commandOf(pid) ?? '');
    expect(names.some((name) => name.includes('Xvfb'))).toBe(true);
    expect(names.some((name) => name.includes('xterm'))).toBe(true);
    const prefix = machineFolderPrefix(home);
    expect(readdirSync(tmpdir()).filter((name) => name.startsWith(prefix))).toHaveLength(1);

    process.kill(first.pid, 'SIGKILL');
    await waitUntil(() => !isAlive(first.pid), 5_000, 'the first daemon to die');
    const orphans = started.filter(isAlive);
    expect(orphans.length).toBeGreaterThan(0);

    const second = await TestDaemon.start({ env: { DESKPILOT_HOME: home } });
    daemons.push(second);
    await waitUntil(() => !orphans.some(isAlive), 10_000, 'the orphans to be stopped');
    expect(readdirSync(tmpdir()).filter((name) => name.startsWith(prefix))).toEqual([]);
    const health = await second.request<{ ok: boolean }>('GET', '/v1/health');
    expect(health.body.ok).toBe(true);
  });
});
