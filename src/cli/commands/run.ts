import { InvalidArgumentError, Option, type Command } from 'commander';
import { isAbsolute, resolve } from 'node:path';
import type { Run } from '../../runs/run.ts';
import { followRun } from '../follow/follow-run.ts';
import { exitCodeForState, exitCodes } from '../output/exit-codes.ts';
import { style } from '../output/style.ts';
import { action, clientFor, print, printJson, withJson, type JsonOption } from './context.ts';

interface RunOptions extends JsonOption {
  model?: string;
  machine?: string;
  cuaVersion?: 'v3' | 'v4';
  maxSteps?: number;
  deadline?: number;
  onAwaitingHuman?: 'pause' | 'fail' | 'cancel';
  instructions?: string;
  systemPrompt?: string;
  maxCost?: number;
  webhookUrl?: string;
  metadata?: Record<string, string>;
  idempotencyKey?: string;
  detach?: boolean;
}

export function registerRun(program: Command): void {
  const command = program
    .command('run')
    .description('start a run and follow it live until it ends')
    .argument('<task>', 'what the agent should do, in natural language')
    .option(
      '-m, --model <provider:model>',
      "model, e.g. anthropic:claude-sonnet-5-5 or scripted:file.json (default: the daemon's)",
    )
    .option('--machine <id>', 'machine to run on (see `deskpilot machines ls`)', 'local')
    .addOption(
      new Option('--cua-version <version>', 'v4 adds a verifier that must pass the result').choices(
        ['v3', 'v4'],
      ),
    )
    .option('--max-steps <n>', 'fail the run after this many steps (1-1000, default 50)', integer)
    .option(
      '--deadline <seconds>',
      'time the run out this long after it is created (default 600)',
      integer,
    )
    .addOption(
      new Option(
        '--on-awaiting-human <policy>',
        'when the agent asks for a human (default pause)',
      ).choices(['pause', 'fail', 'cancel']),
    )
    .option('--instructions <text>', 'appended to the built-in system prompt')
    .option('--system-prompt <text>', 'replaces the built-in system prompt')
    .option('--max-cost <usd>', 'fail the run before it spends more than this', positiveNumber)
    .option('--webhook-url <url>', 'POST the signed terminal event here when the run ends')
    .option(
      '--metadata <key=value>',
      'keep this pair with the run (repeatable)',
      keyValue,
      undefined,
    )
    .option(
      '--idempotency-key <key>',
      'make the create safe to retry: the same key returns the same run',
    )
    .option('-d, --detach', 'print the new run and return at once instead of following it');
  withJson(command)
    .addHelpText(
      'after',
      `
Exit codes: 0 succeeded, 1 failed, 3 cancelled, 4 timed out, 2 bad arguments or a refused
request, 5 daemon unreachable, 130 stopped following with Ctrl+C (the run goes on).

Examples:
  $ deskpilot run "Open the settings and turn on dark mode"
  $ deskpilot run "Fill in the form" --machine vm_01… --cua-version v4 --max-steps 30
  $ deskpilot run "Search for hello" --model scripted:fixtures/scripts/click-and-type.json --json`,
    )
    .action(action(runCommand));
}

async function runCommand(task: string, options: RunOptions, command: Command): Promise<number> {
  const client = clientFor(command);
  const headers = options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {};
  const run = await client.post<Run>('/v1/runs', { body: createBody(task, options), headers });

  if (options.detach) {
    if (options.json) printJson(run);
    else print(run.id, style.dim(`follow it with: deskpilot runs watch ${run.id}`));
    return exitCodes.ok;
  }

  const { run: ended } = await followRun(client, run.id, {
    events: options.json ? 'none' : 'text',
  });
  if (!ended) return exitCodes.detached;
  if (options.json) printJson(ended);
  return exitCodeForState(ended.state);
}

/** The request body: only the fields given, so the daemon's defaults apply to the rest. */
function createBody(task: string, options: RunOptions): Record<string, unknown> {
  const body: Record<string, unknown> = { task, machine_id: options.machine ?? 'local' };
  const fields: [string, unknown][] = [
    ['model', options.model && localScriptPath(options.model)],
    ['cua_version', options.cuaVersion],
    ['max_steps', options.maxSteps],
    ['deadline_seconds', options.deadline],
    ['on_awaiting_human', options.onAwaitingHuman],
    ['instructions', options.instructions],
    ['system_prompt', options.systemPrompt],
    ['max_cost_usd', options.maxCost],
    ['webhook_url', options.webhookUrl],
    ['metadata', options.metadata],
  ];
  for (const [name, value] of fields) if (value !== undefined) body[name] = value;
  return body;
}

/**
 * The daemon reads `scripted:<path>` from its own working directory, which is rarely the shell's;
 * a relative path is made absolute here so that it means what the user typed.
 */
function localScriptPath(model: string): string {
  const path = model.startsWith('scripted:') ? model.slice('scripted:'.length) : null;
  if (path === null || isAbsolute(path)) return model;
  return `scripted:${resolve(path)}`;
}

export function integer(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number');
  return Number(value);
}

function positiveNumber(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) {
    throw new InvalidArgumentError('expected a positive number');
  }
  return number;
}

function keyValue(
  value: string,
  previous: Record<string, string> | undefined,
): Record<string, string> {
  const at = value.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError('expected key=value');
  return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
}
