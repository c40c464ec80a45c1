import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OWNER_VARIABLE, findMarked, machineFolderPrefix, ownerMark } from './leftovers.ts';

let proc: string;

beforeEach(() => {
  proc = mkdtempSync(join(tmpdir(), 'deskpilot-proc-'));
});

afterEach(() => {
  rmSync(proc, { recursive: true, force: true });
});

function fakeProcess(pid: number, environment: string[]): void {
  mkdirSync(join(proc, String(pid)));
  writeFileSync(join(proc, String(pid), 'environ'), `${environment.join('\0')}\0`);
}

describe('finding what a killed daemon left running', () => {
  it('finds processes by the exact mark of the data dir, anywhere in their environment', () => {
    const mark = ownerMark('/home/me/.local/share/deskpilot');
    fakeProcess(101, [`${OWNER_VARIABLE}=${mark}`, 'DISPLAY=:3']);
    fakeProcess(102, ['DISPLAY=:3', `${OWNER_VARIABLE}=${mark}`]);
    fakeProcess(103, [`${OWNER_VARIABLE}=${ownerMark('/tmp/other-home')}`]);
    fakeProcess(104, [`${OWNER_VARIABLE}=${mark}x`]);
    fakeProcess(105, [`NOT_${OWNER_VARIABLE}=${mark}`]);
    fakeProcess(process.pid, [`${OWNER_VARIABLE}=${mark}`]);
    mkdirSync(join(proc, 'self'));

    expect(findMarked(mark, proc).sort()).toEqual([101, 102]);
  });

  it('finds nothing where there is no /proc', () => {
    expect(findMarked('abc', join(proc, 'missing'))).toEqual([]);
  });

  it('keeps machine folder names short enough for the sockets Chromium puts inside', () => {
    // A 24-character mark in the folder name made every Chromium launch crash with SIGTRAP.
    expect(machineFolderPrefix('/a/very/long/data/dir/for/deskpilot').length).toBeLessThanOrEqual(
      22,
    );
  });

  it('names the same data dir with the same mark however its path is written', () => {
    expect(ownerMark('/srv/deskpilot/')).toBe(ownerMark('/srv/deskpilot'));
    expect(ownerMark('/srv/deskpilot')).not.toBe(ownerMark('/srv/other'));
  });
});
