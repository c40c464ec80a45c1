import { readFileSync, readdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono, type Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { requireApiKey } from '../api/security.ts';
import { AuthenticationError, InvalidRequestError } from '../errors.ts';
import { ViewerSessions, sameSecret } from './sessions.ts';

export interface ViewerOptions {
  apiKey: string;
  sessions?: ViewerSessions;
}

const staticDir = fileURLToPath(new URL('./static/', import.meta.url));

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * Everything the viewer page may load or call; screenshots arrive through fetch as blobs. No
 * inline script at all, so that a task or model text that slipped into the page could not run.
 */
const securityHeaders = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; " +
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

/**
 * The web viewer, mounted by the daemon at `/`: the page and its assets, and the sign-in routes
 * that give the page the API key without the key ever travelling in a URL.
 */
export function createViewerSite({ apiKey, sessions = new ViewerSessions() }: ViewerOptions): Hono {
  const site = new Hono();
  const files = loadStaticFiles();
  const page = (c: Context) =>
    c.body(files.get('index.html')!, 200, {
      'content-type': contentTypes['.html']!,
      ...securityHeaders,
    });

  site.get('/', page);
  site.get('/runs/:id', page);
  site.get('/assets/:file', (c) => {
    const file = c.req.param('file');
    const body = files.get(file);
    if (body === undefined) return c.notFound();
    return c.body(body, 200, {
      'content-type': contentTypes[extname(file)] ?? 'application/octet-stream',
      ...securityHeaders,
    });
  });

  site.post('/session/codes', requireApiKey(apiKey), (c) => {
    const { code, expiresAt } = sessions.issueCode();
    return c.json(
      {
        object: 'login_code',
        code,
        login_path: `/session/login?code=${code}`,
        expires_at: expiresAt.toISOString(),
      },
      201,
    );
  });

  site.get('/session/login', (c) => {
    const session = sessions.redeemCode(c.req.query('code') ?? '');
    if (!session) return c.redirect('/?signin=expired', 303);
    setCookie(c, cookieName(c), session, cookieOptions(sessions.sessionTtlMs));
    return c.redirect(safeNext(c.req.query('next')), 303);
  });

  site.post('/session', async (c) => {
    const body = (await c.req.json().catch(() => null)) as { api_key?: unknown } | null;
    if (typeof body?.api_key !== 'string') {
      const message = 'send the key as {"api_key": "…"}';
      throw new InvalidRequestError('missing_field', message, { param: 'api_key' });
    }
    if (!sameSecret(body.api_key.trim(), apiKey)) {
      throw new AuthenticationError('invalid_api_key', 'the API key is not valid');
    }
    setCookie(c, cookieName(c), sessions.start(), cookieOptions(sessions.sessionTtlMs));
    return c.body(null, 204);
  });

  site.get('/session', (c) => {
    if (!sessions.isValid(getCookie(c, cookieName(c)))) {
      throw new AuthenticationError('missing_api_key', 'not signed in');
    }
    // The page needs the key to call /v1 with a header; only a signed-in browser ever gets it.
    return c.json({ object: 'session', api_key: apiKey }, 200, { 'cache-control': 'no-store' });
  });

  site.delete('/session', (c) => {
    sessions.end(getCookie(c, cookieName(c)));
    deleteCookie(c, cookieName(c), { path: '/' });
    return c.body(null, 204);
  });

  return site;
}

function loadStaticFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const name of readdirSync(staticDir)) {
    files.set(name, readFileSync(join(staticDir, name), 'utf8'));
  }
  return files;
}

/** Cookies are shared by every port of a host, so each daemon names its own after its port. */
function cookieName(c: Context): string {
  return `deskpilot_session_${new URL(c.req.url).port || '80'}`;
}

function cookieOptions(ttlMs: number) {
  return {
    httpOnly: true,
    sameSite: 'Strict',
    path: '/',
    maxAge: Math.floor(ttlMs / 1000),
  } as const;
}

/** Only a path on this site: `//evil.example` and absolute URLs would make an open redirect. */
function safeNext(next: string | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.includes('\\')) return '/';
  return next;
}
