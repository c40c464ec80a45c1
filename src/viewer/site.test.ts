import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { createDaemon, type Daemon } from '../daemon.ts';
import { silentLogger } from '../log.ts';
import { FakeDisplayBackend } from '../machines/fake-backend.ts';
import { ViewerSessions } from './sessions.ts';
import { createViewerSite } from './site.ts';

// The viewer's routes inside a whole daemon, through `app.request` (no socket): the page, its
// assets, and signing in without the key ever being in a URL.

const apiKey = 'dp_viewer_test_key';
const origin = 'http://127.0.0.1:7878';
let home: string;
let daemon: Daemon;

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'deskpilot-viewer-'));
  const config = loadConfig({ home, port: 0 }, { DESKPILOT_API_KEY: apiKey });
  daemon = createDaemon({
    config,
    log: silentLogger(),
    backend: new FakeDisplayBackend(),
    providers: [],
    site: createViewerSite({ apiKey }),
  });
});

afterAll(async () => {
  await daemon.stop();
  rmSync(home, { recursive: true, force: true });
});

async function request(path: string, init: RequestInit = {}): Promise<Response> {
  return daemon.app.request(`${origin}${path}`, init);
}

async function loginCode(): Promise<string> {
  const response = await request('/session/codes', {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}` },
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { code: string }).code;
}

function sessionCookie(response: Response): string {
  const cookie = response.headers.get('set-cookie') ?? '';
  return cookie.split(';')[0] ?? '';
}

describe('the viewer site', () => {
  it('serves the page for the list and for a run, with a strict CSP', async () => {
    for (const path of ['/', '/runs/run_123']) {
      const response = await request(path);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/html');
      expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(await response.text()).toContain('/assets/app.js');
    }
  });

  it('serves its scripts and styles, and nothing else', async () => {
    const script = await request('/assets/app.js');
    const style = await request('/assets/style.css');
    const missing = await request('/assets/..%2Fsite.ts');

    expect(script.headers.get('content-type')).toContain('text/javascript');
    expect(style.headers.get('content-type')).toContain('text/css');
    expect(missing.status).toBe(404);
  });

  it('signs a browser in once with a login code, and keeps the key out of every URL', async () => {
    const code = await loginCode();
    const login = await request(`/session/login?code=${code}&next=%2Fruns%2Frun_1`);
    const cookie = sessionCookie(login);
    const again = await request(`/session/login?code=${code}`);
    const session = await request('/session', { headers: { cookie } });

    expect(login.status).toBe(303);
    expect(login.headers.get('location')).toBe('/runs/run_1');
    expect(login.headers.get('set-cookie')).toMatch(
      /^deskpilot_session_7878=.+HttpOnly.+SameSite=Strict/,
    );
    expect(login.headers.get('location')).not.toContain(apiKey);
    expect(again.headers.get('location')).toBe('/?signin=expired');
    expect(await session.json()).toEqual({ object: 'session', api_key: apiKey });
  });

  it('needs the key to make a login code', async () => {
    const response = await request('/session/codes', { method: 'POST' });

    expect(response.status).toBe(401);
  });

  it('refuses to redirect a login off the site', async () => {
    const login = await request(`/session/login?code=${await loginCode()}&next=//evil.example/`);

    expect(login.headers.get('location')).toBe('/');
  });

  it('signs in with the key typed into the form, and not with a wrong one', async () => {
    const post = (key: string) =>
      request('/session', {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin },
        body: JSON.stringify({ api_key: key }),
      });
    const wrong = await post('dp_wrong');
    const right = await post(apiKey);

    expect(wrong.status).toBe(401);
    expect(right.status).toBe(204);
    expect(sessionCookie(right)).toMatch(/^deskpilot_session_7878=/);
  });

  it('refuses a sign-in posted from another site', async () => {
    const response = await request('/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'http://evil.example' },
      body: JSON.stringify({ api_key: apiKey }),
    });

    expect(response.status).toBe(403);
  });

  it('answers 401 without a session, and after signing out', async () => {
    const login = await request(`/session/login?code=${await loginCode()}`);
    const cookie = sessionCookie(login);
    await request('/session', { method: 'DELETE', headers: { cookie, origin } });

    expect((await request('/session')).status).toBe(401);
    expect((await request('/session', { headers: { cookie } })).status).toBe(401);
  });
});

describe('viewer sessions', () => {
  it('lets a login code expire unused', () => {
    const sessions = new ViewerSessions({ codeTtlMs: 1000 });
    const { code } = sessions.issueCode(0);

    expect(sessions.redeemCode(code, 1001)).toBeNull();
  });

  it('ends sessions after their time and drops the oldest beyond the limit', () => {
    const sessions = new ViewerSessions({ sessionTtlMs: 1000, maxSessions: 2 });
    const first = sessions.start(0);
    const second = sessions.start(1);
    const third = sessions.start(2);

    expect(sessions.isValid(first, 3)).toBe(false);
    expect(sessions.isValid(second, 3)).toBe(true);
    expect(sessions.isValid(third, 1003)).toBe(false);
  });
});
