import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { DaemonHarness, testApiKey } from './testing/daemon-harness.ts';

const home = mkdtempSync(join(tmpdir(), 'deskpilot-crash-'));
let child: ChildProcess | null = null;
let harness: DaemonHarness | null = null;

afterEach(async () => {
  if (child?.exitCode === null) child.kill('SIGKILL');
  await harness?.stop();
  rmSync(home, { recursive: true, force: true });
});

/** Starts `deskpilot serve` as its own process and resolves with its URL once it listens. */
function startDaemonProcess(): Promise<string> {
  child = spawn(process.execPath, ['bin/deskpilot', 'serve', '--port', '0'], {
    env: {
      ...process.env,
      DESKPILOT_HOME: home,
      DESKPILOT_API_KEY: testApiKey,
      DESKPILOT_DESKTOP: 'fake',
      DESKPILOT_LOG_FORMAT: 'json',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child!.once('exit', (code) => reject(new Error(`daemon exited early with ${code}`)));
    createInterface({ input: child!.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as { msg: string; url?: string };
      if (entry.msg === 'daemon listening' && entry.url) resolve(entry.url);
    });
  });
}

async function api(url: string, path: string, body?: unknown) {
  const response = await fetch(`${url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${testApiKey}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return (await response.json()) as { id: string; state: string };
}

describe('a daemon killed mid-run', () => {
  it('fails the interrupted run daemon_stopped and runs the queued one on restart', async () => {
    const slow = join(home, 'slow.json');
    const quick = join(home, 'quick.json');
    writeFileSync(slow, JSON.stringify({ turns: [{ delay_ms: 600_000 }] }));
    writeFileSync(quick, JSON.stringify({ turns: [{ done: true, text: 'ok' }] }));

    const url = await startDaemonProcess();
    const running = await api(url, '/v1/runs', { task: 'interrupted', model: `scripted:${slow}` });
    const queued = await api(url, '/v1/runs', { task: 'waits', model: `scripted:${quick}` });
    for (
      let i = 0;
      i < 100 && (await api(url, `/v1/runs/${running.id}`)).state !== 'running';
      i += 1
    ) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child!.kill('SIGKILL');
    await exited;

    harness = await DaemonHarness.start({ home });
    const interrupted = await harness.getRun(running.id);
    expect(interrupted.state).toBe('failed');
    expect(interrupted.error?.code).toBe('daemon_stopped');
    const events = await harness.events(running.id);
    expect(events.at(-1)?.type).toBe('run.failed');

    const done = await harness.waitForState(queued.id, ['succeeded']);
    expect(done.result?.summary).toBe('ok');
  });
});
