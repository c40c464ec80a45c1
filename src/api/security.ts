import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { AuthenticationError, PermissionError } from '../errors.ts';

const loopbackNames = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

function isLoopback(hostname: string): boolean {
  return (
    loopbackNames.has(hostname) ||
    /^127(\.\d{1,3}){3}$/.test(hostname) ||
    hostname.endsWith('.localhost')
  );
}

/** The host part of a Host header value, without the port. */
function hostnameOf(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  return host.split(':')[0] ?? '';
}

/**
 * Refuses requests that a web page could make on the user's behalf: a foreign `Host` (a DNS
 * rebinding attack reaches loopback under another name) or a foreign `Origin` (a page on another
 * site posting to the daemon).
 */
export function browserSafety(allowedHosts: readonly string[]): MiddlewareHandler {
  const allowed = new Set(allowedHosts.map((host) => host.toLowerCase()));

  return async function browserSafetyCheck(c, next) {
    const host = (c.req.header('host') ?? new URL(c.req.url).host).toLowerCase();
    const hostname = hostnameOf(host);
    if (!isLoopback(hostname) && !allowed.has(hostname) && !allowed.has(host)) {
      throw new PermissionError(
        'host_not_allowed',
        `requests for host ${hostname} are not allowed`,
      );
    }

    const origin = c.req.header('origin');
    if (origin !== undefined && origin.toLowerCase() !== `http://${host}`) {
      throw new PermissionError('origin_not_allowed', 'cross-origin requests are not allowed');
    }
    await next();
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Requires the daemon's API key as `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
export function requireApiKey(apiKey: string): MiddlewareHandler {
  const expected = digest(apiKey);

  return async function apiKeyCheck(c, next) {
    const authorization = c.req.header('authorization');
    const bearer = authorization?.match(/^Bearer\s+(.+)$/i)?.[1];
    const given = bearer ?? c.req.header('x-api-key');
    if (!given) {
      throw new AuthenticationError(
        'missing_api_key',
        'send the API key as "Authorization: Bearer <key>" or "X-API-Key: <key>"; ' +
          '`deskpilot key` shows it',
      );
    }
    // Compared as digests so that neither the length nor the content leaks through timing.
    if (!timingSafeEqual(digest(given.trim()), expected)) {
      throw new AuthenticationError('invalid_api_key', 'the API key is not valid');
    }
    await next();
  };
}
