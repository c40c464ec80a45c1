import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDaemon } from './support/daemon.ts';
import { waitUntil } from './support/processes.ts';
import { xtermIn } from './support/xterm.ts';

/** Shifted punctuation, quotes, HTML, non-Latin scripts and a shell variable, in one line. */
const LINE = `echo 'Grüße, 東京! $HOME <a href="x">&amp;</a> ~\`|' > out.txt`;

describe('typing into a terminal on a virtual display', () => {
  let daemon: TestDaemon;
  let cwd: string;

  beforeAll(async () => {
    daemon = await TestDaemon.start();
    cwd = mkdtempSync(join(tmpdir(), 'deskpilot-typing-'));
  });

  afterAll(async () => {
    await daemon?.stop();
    rmSync(cwd, { recursive: true, force: true });
  });

  it('delivers every character of a scripted run exactly', async () => {
    const machine = await daemon.createMachine({
      width: 1280,
      height: 800,
      launch: [xtermIn(cwd)],
    });
    const run = await daemon.createScriptedRun(machine.id, {
      turns: [
        { text: 'focus the terminal', actions: [{ action: 'left_click', coordinate: [300, 150] }] },
        {
          text: 'type the command',
          actions: [
            { action: 'type', text: LINE },
            { action: 'key', text: 'Return' },
          ],
        },
        { done: true, text: 'typed' },
      ],
    });

    const ended = await daemon.waitForRun(run.id, 40_000);
    expect(ended.state, JSON.stringify(ended.error)).toBe('succeeded');

    const out = join(cwd, 'out.txt');
    await waitUntil(
      () => existsSync(out) && readFileSync(out, 'utf8').endsWith('\n'),
      10_000,
      'out.txt',
    );
    expect(readFileSync(out, 'utf8')).toBe('Grüße, 東京! $HOME <a href="x">&amp;</a> ~`|\n');
  });
});
