import { Option, type Command } from 'commander';
import type { Run } from '../../runs/run.ts';
import { runStates } from '../../runs/run.ts';
import type { StepRecord } from '../../runs/step.ts';
import type { ApiClient } from '../client/api-client.ts';
import { followRun, viewerUrl } from '../follow/follow-run.ts';
import { exitCodeForState, exitCodes } from '../output/exit-codes.ts';
import { age, cost, duration, oneLine, table } from '../output/format.ts';
import { stateText, style } from '../output/style.ts';
import { action, clientFor, print, printJson, withJson, type JsonOption } from './context.ts';
import { integer } from './run.ts';

interface ListOptions extends JsonOption {
  state?: string;
  machine?: string;
  limit?: number;
  startingAfter?: string;
}

export function registerRuns(program: Command): void {
  const runs = program.command('runs').description('list, inspect and control runs');

  withJson(runs.command('ls').alias('list').description('list runs, newest first'))
    .addOption(new Option('--state <state>', 'only runs in this state').choices(runStates))
    .option('--machine <id>', 'only runs on this machine')
    .option('--limit <n>', 'at most this many runs (1-100)', integer, 20)
    .option('--starting-after <run_id>', 'the page after this run (see has_more)')
    .action(action(listRuns));

  withJson(runs.command('show').description('show a run, its outcome and optionally its steps'))
    .argument('<run_id>')
    .option('--steps', "also list every step with its actions and the model's text")
    .action(action(showRun));

  withJson(
    runs.command('watch').description('follow a run live until it ends (from its first event)'),
  )
    .argument('<run_id>')
    .addHelpText(
      'after',
      '\nWith --json, prints each event on one line as the API sends it.\n' +
        'Exit codes as for `deskpilot run`.',
    )
    .action(action(watchRun));

  withJson(runs.command('cancel').description('end a queued, running or waiting run as cancelled'))
    .argument('<run_id>')
    .action(
      action((id: string, options: JsonOption, command: Command) =>
        control(id, 'cancel', options, command),
      ),
    );

  withJson(
    runs
      .command('pause')
      .description('stop a running run before its next action; it waits for resume'),
  )
    .argument('<run_id>')
    .action(
      action((id: string, options: JsonOption, command: Command) =>
        control(id, 'pause', options, command),
      ),
    );

  withJson(
    runs.command('resume').description('let a waiting run go on, optionally answering the agent'),
  )
    .argument('<run_id>')
    .option('--message <text>', "the human's answer, passed to the agent")
    .action(
      action((id: string, options: JsonOption & { message?: string }, command: Command) =>
        control(id, 'resume', options, command),
      ),
    );
}

async function listRuns(options: ListOptions, command: Command): Promise<number> {
  const query = new URLSearchParams({ limit: String(options.limit ?? 20) });
  if (options.state) query.set('state', options.state);
  if (options.machine) query.set('machine_id', options.machine);
  if (options.startingAfter) query.set('starting_after', options.startingAfter);
  const page = await clientFor(command).get<{ data: Run[]; has_more: boolean }>(
    `/v1/runs?${query}`,
  );

  if (options.json) {
    printJson(page);
    return exitCodes.ok;
  }
  if (page.data.length === 0) {
    print(style.dim('no runs yet; start one with `deskpilot run "…"`'));
    return exitCodes.ok;
  }
  const rows = page.data.map((run) => [
    run.id,
    stateText(run.state) + ' '.repeat(Math.max(0, 14 - run.state.length)),
    `${run.steps_taken}/${run.max_steps}`,
    cost(run.usage.cost_usd),
    age(run.created_at),
    oneLine(run.task, 60),
  ]);
  print(table(['ID', 'STATE'.padEnd(14), 'STEPS', 'COST', 'AGE', 'TASK'], rows));
  const last = page.data.at(-1);
  if (page.has_more && last) {
    print(style.dim(`more: deskpilot runs ls --starting-after ${last.id}`));
  }
  return exitCodes.ok;
}

async function showRun(
  id: string,
  options: JsonOption & { steps?: boolean },
  command: Command,
): Promise<number> {
  const client = clientFor(command);
  const run = await client.get<Run>(`/v1/runs/${encodeURIComponent(id)}`);
  const steps = options.steps ? await stepsOf(client, id) : null;

  if (options.json) printJson(steps ? { run, steps } : run);
  else {
    print(...describeRun(run, viewerUrl(client, run.id)));
    if (steps) print('', ...steps.flatMap(describeStep));
  }
  return exitCodes.ok;
}

async function stepsOf(client: ApiClient, id: string): Promise<StepRecord[]> {
  const page = await client.get<{ data: StepRecord[] }>(`/v1/runs/${encodeURIComponent(id)}/steps`);
  return page.data;
}

function describeRun(run: Run, url: string): string[] {
  const ended = run.finished_at
    ? ` · took ${duration(Date.parse(run.finished_at) - Date.parse(run.created_at))}`
    : '';
  const tokens = `${run.usage.input_tokens} in / ${run.usage.output_tokens} out tokens`;
  const lines = [
    `${style.bold(run.id)}  ${stateText(run.state)}${run.error ? ` (${run.error.code})` : ''}`,
    `task:     ${run.task}`,
    `model:    ${run.model} · ${run.cua_version} · machine ${run.machine_id}`,
    `steps:    ${run.steps_taken}/${run.max_steps} · ${cost(run.usage.cost_usd)} · ${tokens}`,
    `created:  ${run.created_at} (${age(run.created_at)} ago)${ended}`,
  ];
  if (run.awaiting_human) {
    lines.push(`waiting:  ${run.awaiting_human.reason}: ${run.awaiting_human.message ?? ''}`);
  }
  if (run.result) lines.push(`result:   ${run.result.summary}`);
  if (run.result?.verdict) {
    lines.push(
      `verdict:  ${run.result.verdict.passed ? 'passed' : 'failed'}: ${run.result.verdict.reason}`,
    );
  }
  if (run.error) lines.push(`error:    ${run.error.message}`);
  lines.push(`view:     ${url}`);
  return lines;
}

function describeStep(step: StepRecord): string[] {
  const actions = step.actions.map((entry) => {
    const mark =
      entry.status === 'ok'
        ? style.green('✓')
        : entry.status === 'error'
          ? style.red('✗')
          : style.dim('–');
    return `     ${mark} ${entry.description}${entry.error ? style.red(`: ${entry.error}`) : ''}`;
  });
  const text = step.model_text ? [style.dim(`     “${oneLine(step.model_text, 200)}”`)] : [];
  const verdict = step.verdict
    ? [`     verifier ${step.verdict.passed ? 'passed' : 'failed'}: ${step.verdict.reason}`]
    : [];
  return [
    `${String(step.index).padStart(3)}  ${style.dim(stepUsage(step))}`,
    ...text,
    ...actions,
    ...verdict,
  ];
}

function stepUsage(step: StepRecord): string {
  const { cost_usd, input_tokens, output_tokens } = step.usage;
  return `${cost(cost_usd)} · ${input_tokens} in / ${output_tokens} out`;
}

async function watchRun(id: string, options: JsonOption, command: Command): Promise<number> {
  const client = clientFor(command);
  const { run } = await followRun(client, id, { events: options.json ? 'ndjson' : 'text' });
  return run ? exitCodeForState(run.state) : exitCodes.detached;
}

async function control(
  id: string,
  verb: 'cancel' | 'pause' | 'resume',
  options: JsonOption & { message?: string },
  command: Command,
): Promise<number> {
  const body =
    verb === 'resume' && options.message !== undefined ? { message: options.message } : undefined;
  const run = await clientFor(command).post<Run>(
    `/v1/runs/${encodeURIComponent(id)}/${verb}`,
    body ? { body } : {},
  );
  if (options.json) printJson(run);
  else print(`${run.id} is ${stateText(run.state)}`);
  return exitCodes.ok;
}
