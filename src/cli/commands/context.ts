import type { Command } from 'commander';
import { ApiClient } from '../client/api-client.ts';
import { resolveConnection } from '../client/connection.ts';
import { reportError } from '../output/report-error.ts';

export interface GlobalOptions {
  url?: string;
  home?: string;
}

export interface JsonOption {
  json?: boolean;
}

/** A client for the daemon that the command line (`--url`, `--home`) and environment point at. */
export function clientFor(command: Command): ApiClient {
  const globals = command.optsWithGlobals<GlobalOptions>();
  return new ApiClient(resolveConnection({ url: globals.url, home: globals.home }));
}

/** Adds the `--json` flag that every command has. */
export function withJson(command: Command): Command {
  return command.option('--json', 'print machine-readable JSON instead of text');
}

/**
 * Wraps a command's action: the action returns its exit code, and any error it throws is reported
 * in the command's output format and mapped to an exit code.
 */
export function action<A extends unknown[]>(
  run: (...args: A) => Promise<number>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const command = args.at(-1) as Command;
    try {
      process.exitCode = await run(...args);
    } catch (error) {
      process.exitCode = reportError(error, Boolean(command.opts<JsonOption>().json));
    }
  };
}

/** Writes a value as indented JSON on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Writes lines of text on stdout. */
export function print(...lines: string[]): void {
  process.stdout.write(`${lines.join('\n')}\n`);
}
