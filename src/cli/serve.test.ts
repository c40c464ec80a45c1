import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const home = mkdtempSync(join(tmpdir(), 'deskpilot-serve-'));
let taken: Server;

beforeAll(async () => {
  taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  await new Promise((resolve) => taken.close(resolve));
  rmSync(home, { recursive: true, force: true });
});

function serve(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = execFile(
      process.execPath,
      ['bin/deskpilot', 'serve', ...args],
      { env: { ...process.env, DESKPILOT_HOME: home, DESKPILOT_DESKTOP: 'fake', ...env } },
      (_error, _stdout, stderr) => resolve({ code: child.exitCode, stderr }),
    );
  });
}

describe('deskpilot serve', () => {
  it('names a bad setting and exits 2, without a stack trace', async () => {
    const { code, stderr } = await serve([], { DESKPILOT_PORT: 'abc' });
    expect(code).toBe(2);
    expect(stderr).toContain('deskpilot serve: DESKPILOT_PORT (or --port) must be an integer');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('says that the port is in use and exits 2', async () => {
    const { port } = taken.address() as AddressInfo;
    const { code, stderr } = await serve(['--port', String(port)]);
    expect(code).toBe(2);
    expect(stderr).toContain(`port ${port} is in use; choose another with --port`);
  });
});
