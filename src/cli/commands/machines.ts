import { Option, type Command } from 'commander';
import type { MachineInfo } from '../../machines/machine.ts';
import { exitCodes } from '../output/exit-codes.ts';
import { age, table } from '../output/format.ts';
import { UsageError } from '../output/report-error.ts';
import { style } from '../output/style.ts';
import { action, clientFor, print, printJson, withJson, type JsonOption } from './context.ts';
import { integer } from './run.ts';

interface CreateOptions extends JsonOption {
  width?: number;
  height?: number;
  windowManager?: string;
  browser?: string[];
  launch?: string[];
}

export function registerMachines(program: Command): void {
  const machines = program
    .command('machines')
    .description('list, start and stop machines (displays the agent can drive)');

  withJson(
    machines
      .command('ls')
      .alias('list')
      .description('list the local display and every virtual machine'),
  ).action(action(listMachines));

  withJson(
    machines
      .command('create')
      .description('start a virtual display (Xvfb), optionally with programs on it'),
  )
    .option('--width <px>', 'screen width (320-7680, default 1280)', integer)
    .option('--height <px>', 'screen height (200-4320, default 800)', integer)
    .addOption(
      new Option('--window-manager <name>', 'window manager to run (default none)').choices([
        'none',
        'matchbox',
        'openbox',
      ]),
    )
    .option('--browser <url>', 'open Chromium at this URL (repeatable)', collect, undefined)
    .option(
      '--launch <command>',
      'start this program, e.g. "xterm -geometry 80x24" (repeatable; quotes group words)',
      collect,
      undefined,
    )
    .addHelpText(
      'after',
      '\nExample:\n  $ deskpilot machines create --width 1280 --browser http://127.0.0.1:8000/',
    )
    .action(action(createMachine));

  withJson(
    machines
      .command('rm')
      .alias('delete')
      .description('stop a virtual machine and everything started on it'),
  )
    .argument('<machine_id>')
    .action(action(removeMachine));
}

async function listMachines(options: JsonOption, command: Command): Promise<number> {
  const page = await clientFor(command).get<{ data: MachineInfo[] }>('/v1/machines');
  if (options.json) {
    printJson(page);
    return exitCodes.ok;
  }
  const rows = page.data.map((machine) => [
    machine.id,
    machine.kind,
    machine.state,
    `${machine.width}×${machine.height}`,
    machine.display ?? '-',
    machine.current_run_id ?? '-',
    age(machine.created_at),
  ]);
  print(table(['ID', 'KIND', 'STATE', 'SIZE', 'DISPLAY', 'RUN', 'AGE'], rows));
  return exitCodes.ok;
}

async function createMachine(options: CreateOptions, command: Command): Promise<number> {
  const launch = [
    ...(options.browser ?? []).map((url) => ({ browser: url })),
    ...(options.launch ?? []).map((line) => ({ command: words(line) })),
  ];
  const body: Record<string, unknown> = {};
  if (options.width !== undefined) body['width'] = options.width;
  if (options.height !== undefined) body['height'] = options.height;
  if (options.windowManager !== undefined) body['window_manager'] = options.windowManager;
  if (launch.length > 0) body['launch'] = launch;

  const machine = await clientFor(command).post<MachineInfo>('/v1/machines', { body });
  if (options.json) printJson(machine);
  else
    print(
      machine.id,
      style.dim(
        `${machine.width}×${machine.height} on display ${machine.display ?? '-'}; ` +
          `run on it with --machine ${machine.id}`,
      ),
    );
  return exitCodes.ok;
}

async function removeMachine(id: string, options: JsonOption, command: Command): Promise<number> {
  const deleted = await clientFor(command).delete<{ id: string }>(
    `/v1/machines/${encodeURIComponent(id)}`,
  );
  if (options.json) printJson(deleted);
  else print(`${deleted.id} stopped`);
  return exitCodes.ok;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * Splits a command line into words the way a shell would for the simple cases: whitespace
 * separates, single or double quotes group (`--title="a b"` is one word). No variables, globs or
 * escapes: the daemon runs no shell either.
 */
export function words(line: string): string[] {
  const found: string[] = [];
  let word: string | null = null;
  let quote: string | null = null;

  for (const char of line) {
    if (quote !== null) {
      if (char === quote) quote = null;
      else word = (word ?? '') + char;
    } else if (char === '"' || char === "'") {
      quote = char;
      word ??= '';
    } else if (/\s/.test(char)) {
      if (word !== null) found.push(word);
      word = null;
    } else {
      word = (word ?? '') + char;
    }
  }

  if (quote !== null) throw new UsageError(`--launch has an unclosed ${quote}: ${line}`);
  if (word !== null) found.push(word);
  if (found.length === 0) throw new UsageError('--launch needs a command');
  return found;
}
