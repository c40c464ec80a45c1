import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultHome } from '../../config.ts';

export interface Connection {
  /** The daemon's origin, without a trailing slash, e.g. `http://127.0.0.1:7878`. */
  baseUrl: string;
  apiKey: string;
}

export interface ConnectionOptions {
  url?: string | undefined;
  home?: string | undefined;
}

/** Raised when the CLI has no way to reach or authenticate to a daemon; the message says why. */
export class ConnectionSetupError extends Error {
  override readonly name = 'ConnectionSetupError';
}

/**
 * Where the daemon is: `--url`, then `DESKPILOT_URL`, then loopback on `DESKPILOT_PORT` (the same
 * variable the daemon reads), then the default port.
 */
export function daemonUrl(options: ConnectionOptions, env = process.env): string {
  const raw =
    options.url ?? env['DESKPILOT_URL'] ?? `http://127.0.0.1:${env['DESKPILOT_PORT'] || 7878}`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConnectionSetupError(`the daemon URL ${raw} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConnectionSetupError(`the daemon URL ${raw} must start with http:// or https://`);
  }
  return url.origin;
}

/**
 * The API key: `DESKPILOT_API_KEY`, or the `api_key` file the daemon wrote in its data dir. Unlike
 * the daemon, the CLI never creates that file: a key it made up would match no daemon.
 */
export function apiKey(options: ConnectionOptions, env = process.env): string {
  const fromEnv = env['DESKPILOT_API_KEY'];
  if (fromEnv) return fromEnv;

  const home = options.home ?? defaultHome(env);
  const file = join(home, 'api_key');
  if (!existsSync(file)) {
    throw new ConnectionSetupError(
      'no API key: set DESKPILOT_API_KEY, or start the daemon once (`deskpilot serve`) ' +
        `so that it writes ${file}`,
    );
  }
  return readFileSync(file, 'utf8').trim();
}

export function resolveConnection(options: ConnectionOptions, env = process.env): Connection {
  return { baseUrl: daemonUrl(options, env), apiKey: apiKey(options, env) };
}
