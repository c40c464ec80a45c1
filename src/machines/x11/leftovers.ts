import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';

/**
 * Every process a daemon starts (workers, Xvfb, window managers, launched programs and whatever
 * they start in turn) inherits this variable, naming the daemon's data dir. A daemon that is
 * killed cannot stop its processes; the next daemon on the same data dir finds them by this mark
 * and stops them by PID. The mark is a hash, not the path, so it says nothing about the user.
 */
export const OWNER_VARIABLE = 'DESKPILOT_OWNER';

export function ownerMark(home: string): string {
  return createHash('sha256').update(resolve(home)).digest('hex').slice(0, 24);
}

/** Marks this process, so that everything it starts from now on carries the mark. */
export function markChildren(home: string): void {
  process.env[OWNER_VARIABLE] = ownerMark(home);
}

/** The PIDs of processes, other than this one, that carry the mark. Linux only; elsewhere none. */
export function findMarked(mark: string, procDir = '/proc'): number[] {
  let entries: string[];
  try {
    entries = readdirSync(procDir);
  } catch {
    return [];
  }
  const needle = `\0${OWNER_VARIABLE}=${mark}\0`;
  const pids: number[] = [];
  for (const entry of entries) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    if (environmentOf(pid, procDir).includes(needle)) pids.push(pid);
  }
  return pids;
}

function environmentOf(pid: number, procDir: string): string {
  try {
    // A leading NUL lets the first variable match the same way as the others.
    return `\0${readFileSync(`${procDir}/${pid}/environ`, 'latin1')}`;
  } catch {
    // Gone meanwhile, or not ours to read.
    return '';
  }
}

/**
 * Stops what a killed daemon on the same data dir left running: SIGTERM, then SIGKILL for what
 * is still there after `graceMs`; then removes its machines' folders. Resolves with how many
 * processes were found.
 */
export async function stopLeftovers(home: string, log: Logger, graceMs = 2000): Promise<number> {
  const pids = findMarked(ownerMark(home));
  if (pids.length === 0) {
    removeStaleMachineFolders(home);
    return 0;
  }

  log.warn({ pids }, 'stopping processes a previous daemon left behind');
  signalAll(pids, 'SIGTERM');
  const until = Date.now() + graceMs;
  while (Date.now() < until && pids.some(isAlive)) {
    await new Promise((done) => setTimeout(done, 50));
  }
  signalAll(pids.filter(isAlive), 'SIGKILL');
  removeStaleMachineFolders(home);
  return pids.length;
}

function signalAll(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Where a daemon on this data dir keeps its virtual machines' temporary folders. Short on
 * purpose: Chromium puts Unix sockets inside, and a socket path over 107 bytes crashes it.
 */
export function machineFolderPrefix(home: string): string {
  return `deskpilot-vm-${ownerMark(home).slice(0, 8)}-`;
}

/** Removes the machine folders a killed daemon on the same data dir could not remove itself. */
export function removeStaleMachineFolders(home: string, dir = tmpdir()): number {
  const prefix = machineFolderPrefix(home);
  const stale = readdirSync(dir).filter((name) => name.startsWith(prefix));
  for (const name of stale) rmSync(join(dir, name), { recursive: true, force: true });
  return stale.length;
}
