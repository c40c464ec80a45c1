import { actionSchema, type Action } from '../../actions/action.ts';
import { screenToFrame } from '../../desktop/coordinates.ts';
import type { Frame } from '../../desktop/desktop.ts';
import type { ActionResult, Observation } from '../vision-model.ts';
import { isToolset, type ToolVersion } from './tool-versions.ts';
import type { Block } from './wire.ts';

export const DONE_TOOL = 'done';
export const ASK_HUMAN_TOOL = 'ask_human';

/** The exact text the GA toolset expects for batch members after a failed one. */
export const NOT_EXECUTED = 'Not executed: an earlier computer action in this turn failed.';

/** The daemon's own tools, offered next to the computer tool in every request. */
export const agentTools = [
  {
    name: DONE_TOOL,
    description:
      'Declare the task finished. Call it only after checking on the newest screenshot that ' +
      'the task is complete. The summary says what you did and what you found.',
    input_schema: {
      type: 'object',
      properties: { summary: { type: 'string', description: 'What was done and found.' } },
      required: ['summary'],
    },
  },
  {
    name: ASK_HUMAN_TOOL,
    description:
      'Ask the person supervising this run a question and wait for the answer. Use it when you ' +
      'cannot go on without them: a login, a choice only they can make, or a confirmation ' +
      'before something that cannot be undone.',
    input_schema: {
      type: 'object',
      properties: { question: { type: 'string', description: 'What you need from them.' } },
      required: ['question'],
    },
  },
];

/**
 * What each `tool_use` of the last assistant turn is waiting for, in order, so the next user turn
 * answers every one of them exactly once.
 */
export type Pending =
  | { id: string; toolset: boolean; kind: 'action'; index: number }
  | { id: string; toolset: boolean; kind: 'rejected'; reason: string }
  | { id: string; toolset: boolean; kind: 'skipped' }
  | { id: string; toolset: boolean; kind: 'done' }
  | { id: string; toolset: boolean; kind: 'ask_human' };

export interface ParsedCalls {
  actions: Action[];
  pending: Pending[];
  done?: { summary: string };
  needsHuman?: { question: string };
}

/**
 * Reads the tool calls of one answer. Computer actions are kept in order up to the first one
 * that cannot be performed (unknown, or invalid input); that one is answered with the reason and
 * every later computer action is answered "not executed", as the toolset's batch rule says.
 */
export function parseToolCalls(content: Block[], version: ToolVersion): ParsedCalls {
  const parsed: ParsedCalls = { actions: [], pending: [] };
  let halted = false;

  for (const block of content) {
    if (block.type !== 'tool_use') continue;
    const id = String(block['id']);
    const toolset = typeof block['toolset_name'] === 'string';
    const name = String(block['name']);
    const input = (block['input'] ?? {}) as Record<string, unknown>;

    if (name === DONE_TOOL && !toolset) {
      parsed.done = { summary: stringField(input, 'summary') };
      parsed.pending.push({ id, toolset, kind: 'done' });
      continue;
    }
    if (name === ASK_HUMAN_TOOL && !toolset) {
      parsed.needsHuman = { question: stringField(input, 'question') };
      parsed.pending.push({ id, toolset, kind: 'ask_human' });
      continue;
    }
    if (halted) {
      parsed.pending.push({ id, toolset, kind: 'skipped' });
      continue;
    }

    const action = toAction(block, version);
    if ('reason' in action) {
      halted = true;
      parsed.pending.push({ id, toolset, kind: 'rejected', reason: action.reason });
      continue;
    }
    parsed.pending.push({ id, toolset, kind: 'action', index: parsed.actions.length });
    parsed.actions.push(action.action);
  }
  return parsed;
}

function stringField(input: Record<string, unknown>, key: string): string {
  const value = input[key];
  return typeof value === 'string' ? value : JSON.stringify(value ?? '');
}

/** One computer call in the action vocabulary, or why it cannot be performed. */
function toAction(block: Block, version: ToolVersion): { action: Action } | { reason: string } {
  const name = String(block['name']);
  const input = { ...((block['input'] ?? {}) as Record<string, unknown>) };
  const toolsetName = block['toolset_name'];

  let verb: unknown;
  if (isToolset(version) && toolsetName === 'computer') verb = name;
  else if (!isToolset(version) && name === 'computer' && toolsetName === undefined) {
    verb = input['action'];
    delete input['action'];
  } else {
    return { reason: `Error: there is no tool named ${name} here.` };
  }

  // The reference implementation reads click modifiers from `key`; the docs name it `text`.
  if (typeof input['key'] === 'string' && input['text'] === undefined) {
    input['text'] = input['key'];
    delete input['key'];
  }
  const checked = actionSchema.safeParse({ action: verb, ...input });
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const where = issue?.path.length ? ` (${issue.path.join('.')})` : '';
    return { reason: `Error: invalid ${String(verb)} input${where}: ${issue?.message}` };
  }
  return { action: checked.data };
}

/**
 * The user turn's `tool_result` blocks answering the last assistant turn, in its order. The newest
 * screenshot goes into the last `screenshot` call's result if there was one, otherwise into the
 * last result, so each turn carries the screen exactly once.
 */
export function toolResults(pending: Pending[], observation: Observation): Block[] {
  const { results, frame } = observation;
  const screenshotAt = lastScreenshot(pending, results);
  const imageAt = screenshotAt ?? pending.length - 1;

  return pending.map((call, position) => {
    const block = resultFor(call, results, observation);
    // A screenshot call is answered by the screenshot alone; any other call carries it after
    // its own answer.
    if (position === screenshotAt) block.content = [imageBlock(frame)];
    else if (position === imageAt) block.content = [...asBlocks(block.content), imageBlock(frame)];
    if (call.toolset) block['toolset_name'] = 'computer';
    return block;
  });
}

function lastScreenshot(pending: Pending[], results: ActionResult[]): number | null {
  for (let i = pending.length - 1; i >= 0; i -= 1) {
    const call = pending[i]!;
    if (call.kind !== 'action') continue;
    const result = results[call.index];
    if (result?.action.action === 'screenshot' && result.status === 'ok') return i;
  }
  return null;
}

function resultFor(call: Pending, results: ActionResult[], observation: Observation): Block {
  const base = { type: 'tool_result', tool_use_id: call.id };
  switch (call.kind) {
    case 'rejected':
      return { ...base, is_error: true, content: [text(call.reason)] };
    case 'skipped':
      return { ...base, is_error: true, content: [text(NOT_EXECUTED)] };
    case 'done':
      return { ...base, content: [text(doneAnswer(observation))] };
    case 'ask_human':
      return { ...base, content: [text(humanAnswer(observation))] };
    case 'action':
      return actionResult(base, results[call.index], results, observation.frame);
  }
}

function actionResult(
  base: Block,
  result: ActionResult | undefined,
  results: ActionResult[],
  frame: Frame,
): Block {
  if (!result) return { ...base, is_error: true, content: [text(NOT_EXECUTED)] };
  if (result.status === 'not_executed') {
    const earlierFailed = results.some((other) => other.status === 'error');
    const reason = earlierFailed ? NOT_EXECUTED : `Not executed: ${result.error ?? 'skipped'}.`;
    return { ...base, is_error: true, content: [text(reason)] };
  }
  if (result.status === 'error') {
    return { ...base, is_error: true, content: [text(`Error: ${result.error ?? 'failed'}`)] };
  }

  const output = result.output;
  if (output?.kind === 'cursor') {
    // The desktop answers in screen pixels; the model speaks in frame pixels.
    const [x, y] = screenToFrame(output.position, frame);
    return { ...base, content: [text(`X=${x},Y=${y}`)] };
  }
  if (output?.kind === 'image') return { ...base, content: [imageBlock(output.frame)] };
  return { ...base, content: [text('OK')] };
}

function doneAnswer(observation: Observation): string {
  if (observation.verifierFeedback) {
    return (
      'An independent check of the screen did not confirm the task is done: ' +
      `${observation.verifierFeedback}\nKeep working, then call ${DONE_TOOL} again.`
    );
  }
  return 'Noted.';
}

function humanAnswer(observation: Observation): string {
  if (observation.humanReply) return observation.humanReply;
  return 'The human resumed the run without a message. Go on with the task.';
}

/** Notes for the model that are not answers to a tool call. */
export function notes(observation: Observation, pending: Pending[]): string[] {
  const answered = new Set(pending.map((call) => call.kind));
  const lines: string[] = [];
  if (observation.humanReply && !answered.has('ask_human')) {
    lines.push(`A message from the person supervising this run: ${observation.humanReply}`);
  }
  if (observation.verifierFeedback && !answered.has('done')) {
    lines.push(
      `An independent check did not confirm the task is done: ${observation.verifierFeedback}`,
    );
  }
  if (observation.notice) lines.push(observation.notice);
  return lines;
}

export function text(value: string): Block {
  return { type: 'text', text: value };
}

export function imageBlock(frame: Frame): Block {
  return {
    type: 'image',
    source: {
      type: 'base64',
      media_type: frame.format === 'png' ? 'image/png' : 'image/jpeg',
      data: frame.image.toString('base64'),
    },
  };
}

function asBlocks(content: unknown): Block[] {
  if (Array.isArray(content)) return content as Block[];
  return typeof content === 'string' ? [text(content)] : [];
}
