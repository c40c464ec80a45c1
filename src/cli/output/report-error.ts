import { ApiError, DaemonUnreachableError } from '../client/api-client.ts';
import { ConnectionSetupError } from '../client/connection.ts';
import { exitCodes } from './exit-codes.ts';
import { style } from './style.ts';

/**
 * Tells the user what went wrong, on stderr (as JSON with `--json`, so scripts read the API's own
 * error object), and returns the exit code that says which kind of trouble it was.
 */
export function reportError(error: unknown, json: boolean): number {
  const { body, code } = describe(error);
  if (json) process.stderr.write(`${JSON.stringify({ error: body })}\n`);
  else process.stderr.write(`${style.red('error:')} ${body.message}\n`);
  return code;
}

function describe(error: unknown): { body: Record<string, string>; code: number } {
  if (error instanceof ApiError) {
    const refused = error.status < 500 && error.status !== 401 && error.status !== 403;
    return {
      body: { ...error.body, message: withCode(error) },
      code: refused ? exitCodes.usage : exitCodes.daemon,
    };
  }
  if (error instanceof DaemonUnreachableError || error instanceof ConnectionSetupError) {
    return {
      body: { type: 'connection_error', code: 'daemon_unreachable', message: error.message },
      code: exitCodes.daemon,
    };
  }
  if (error instanceof UsageError) {
    return {
      body: { type: 'usage_error', code: 'invalid_argument', message: error.message },
      code: exitCodes.usage,
    };
  }
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return {
    body: { type: 'cli_error', code: 'internal_error', message },
    code: exitCodes.internal,
  };
}

function withCode(error: ApiError): string {
  const param = error.body.param ? `, ${error.body.param}` : '';
  return `${error.body.message} (${error.body.code}${param})`;
}

/** A flag or argument the CLI cannot use, found before any request is sent. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
