import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDaemon } from './support/daemon.ts';
import { waitUntil } from './support/processes.ts';
import { xtermIn } from './support/xterm.ts';

/** A run that types `lines` commands, each writing one line to `file`, in small steps. */
function writerScript(file: string, word: string) {
  const lines = Array.from({ length: 6 }, (_, i) => `${word} ${i}: ${word.repeat(4)} <${i}> & ~!`);
  return {
    lines,
    script: {
      turns: [
        { actions: [{ action: 'left_click', coordinate: [300, 150] }] },
        ...lines.map((line) => ({
          actions: [{ action: 'type', text: `echo '${line}' >> ${file}\n` }],
        })),
        { done: true, text: `wrote ${file}` },
      ],
    },
  };
}

describe('two virtual machines at once', () => {
  let daemon: TestDaemon;
  const dirs: string[] = [];

  beforeAll(async () => {
    daemon = await TestDaemon.start();
  });

  afterAll(async () => {
    await daemon?.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('runs two runs at the same time without crossing input', async () => {
    const [left, right] = ['left', 'right'].map((side) => {
      const dir = mkdtempSync(join(tmpdir(), `deskpilot-${side}-`));
      dirs.push(dir);
      return dir;
    }) as [string, string];
    const [a, b] = await Promise.all([
      daemon.createMachine({ width: 1280, height: 800, launch: [xtermIn(left)] }),
      daemon.createMachine({ width: 1024, height: 768, launch: [xtermIn(right)] }),
    ]);
    expect(a.display).not.toBe(b.display);

    const alpha = writerScript('alpha.txt', 'alpha');
    const bravo = writerScript('bravo.txt', 'bravo');
    const runs = await Promise.all([
      daemon.createScriptedRun(a.id, alpha.script),
      daemon.createScriptedRun(b.id, bravo.script),
    ]);
    const [endA, endB] = await Promise.all(runs.map((run) => daemon.waitForRun(run.id, 60_000)));
    expect(endA!.state, JSON.stringify(endA!.error)).toBe('succeeded');
    expect(endB!.state, JSON.stringify(endB!.error)).toBe('succeeded');
    // They overlapped: each started before the other finished.
    expect(Date.parse(endA!.started_at!)).toBeLessThan(Date.parse(endB!.finished_at!));
    expect(Date.parse(endB!.started_at!)).toBeLessThan(Date.parse(endA!.finished_at!));

    const expectFile = async (dir: string, name: string, lines: string[]) => {
      const path = join(dir, name);
      const want = lines.map((line) => `${line}\n`).join('');
      await waitUntil(
        () => existsSync(path) && readFileSync(path, 'utf8').length >= want.length,
        10_000,
        path,
      );
      expect(readFileSync(path, 'utf8')).toBe(want);
      expect(readdirSync(dir)).toEqual([name]);
    };
    await expectFile(left, 'alpha.txt', alpha.lines);
    await expectFile(right, 'bravo.txt', bravo.lines);
  });
});
