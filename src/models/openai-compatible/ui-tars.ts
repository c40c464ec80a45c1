import type { Action, Point } from '../../actions/action.ts';
import type { FormatName, ToFrame } from './formats.ts';
import { keyCombo } from './formats.ts';
import { failedActionsText, type ActionFormat, type ParsedReply, type RawReply } from './reply.ts';

/**
 * UI-TARS answers in text: `Thought: …` then `Action: click(start_box='(x,y)')`, several actions
 * separated by blank lines. The action signatures below are the model's trained protocol; the
 * words around them are ours.
 */
const ACTION_SPACE = `click(start_box='<|box_start|>(x1,y1)<|box_end|>')
left_double(start_box='<|box_start|>(x1,y1)<|box_end|>')
right_single(start_box='<|box_start|>(x1,y1)<|box_end|>')
drag(start_box='<|box_start|>(x1,y1)<|box_end|>', end_box='<|box_start|>(x3,y3)<|box_end|>')
hotkey(key='ctrl c')
type(content='') # end content with \\n to submit what you typed
scroll(start_box='<|box_start|>(x1,y1)<|box_end|>', direction='down or up or right or left')
wait() # waits 5 seconds, then you get a new screenshot
finished(content='what you did and found')
call_user() # when the task cannot be done without the user, or you need their help`;

function uiTarsPrompt(task: string, guidance: string | null): string {
  return [
    'You are a GUI agent working on a computer. ' +
      'You get a task and screenshots of the screen, and you answer with the next action.',
    '',
    '## Output format',
    '```',
    'Thought: ...',
    'Action: ...',
    '```',
    '',
    '## Action space',
    ACTION_SPACE,
    '',
    '## Notes',
    '- Write the Thought in English: a short plan, ' +
      'then the next action and its target in one sentence.',
    `- Escape quotes and new lines inside content with \\', \\" and \\n.` +
      (guidance ? `\n\n${guidance}` : ''),
    '',
    '## User instruction',
    task,
  ].join('\n');
}

export function uiTarsFormat(name: Extract<FormatName, `ui-tars-${string}`>): ActionFormat {
  return {
    name,
    instructions: ({ task, guidance }) => ({
      system: null,
      firstUser: uiTarsPrompt(task, guidance),
    }),
    parse: (reply, toFrame) => parseUiTars(reply.content, toFrame),
    historyText: (reply: RawReply) => reply.content,
    resultsText: failedActionsText,
  };
}

export function parseUiTars(text: string, toFrame: ToFrame): ParsedReply {
  const at = lastActionLabel(text);
  if (at === null) {
    return {
      thought: text.trim() || null,
      actions: [],
      problem: 'the answer has no "Action:" line',
    };
  }
  const thought = cleanThought(text.slice(0, at.index)) || null;
  const parsed: ParsedReply = { thought, actions: [] };

  let calls: Call[];
  try {
    calls = readCalls(text.slice(at.index + at.length));
  } catch (error) {
    return { ...parsed, problem: (error as Error).message };
  }
  if (calls.length === 0) return { ...parsed, problem: 'the Action line names no action' };

  for (const call of calls) {
    const problem = applyCall(call, parsed, toFrame);
    if (problem) return { ...parsed, problem };
  }
  return parsed;
}

function lastActionLabel(text: string): { index: number; length: number } | null {
  const matches = [...text.matchAll(/Action\s*[:：]/g)];
  const last = matches.at(-1);
  return last?.index === undefined ? null : { index: last.index, length: last[0].length };
}

/** The reasoning before the action, without its `Thought:` / `Reflection:` labels. */
function cleanThought(text: string): string {
  return text.replace(/^\s*(Thought|Reflection|Action_Summary)\s*[:：]\s*/gm, '').trim();
}

function applyCall(call: Call, parsed: ParsedReply, toFrame: ToFrame): string | null {
  const point = (key: string): Point | null => {
    const value =
      call.args[key] ?? (key === 'start_box' ? call.args['point'] : call.args['end_point']);
    return value === undefined ? null : boxCentre(value, toFrame);
  };
  const push = (action: Action) => parsed.actions.push(action);

  switch (call.name) {
    case 'click':
    case 'left_single':
    case 'left_double':
    case 'right_single':
    case 'hover':
    case 'mouse_move': {
      const at = point('start_box');
      if (!at) return `${call.name} needs start_box with a point`;
      push({ action: CLICKS[call.name]!, coordinate: at });
      return null;
    }
    case 'drag':
    case 'select': {
      const from = point('start_box');
      const to = point('end_box');
      if (!from || !to) return `${call.name} needs start_box and end_box`;
      push({ action: 'left_click_drag', start_coordinate: from, coordinate: to });
      return null;
    }
    case 'hotkey':
    case 'press': {
      const key = call.args['key'] ?? call.args['hotkey'];
      if (!key?.trim()) return `${call.name} needs key`;
      push({ action: 'key', text: keyCombo(key) });
      return null;
    }
    case 'type':
      push({ action: 'type', text: call.args['content'] ?? '' });
      return null;
    case 'scroll': {
      const direction = (call.args['direction'] ?? 'down').trim().toLowerCase();
      if (!['up', 'down', 'left', 'right'].includes(direction)) {
        return `unknown scroll direction ${direction}`;
      }
      const at = point('start_box');
      push({
        action: 'scroll',
        scroll_direction: direction as 'up' | 'down' | 'left' | 'right',
        scroll_amount: 5,
        ...(at ? { coordinate: at } : {}),
      });
      return null;
    }
    case 'wait':
      push({ action: 'wait', duration: 5 });
      return null;
    case 'finished':
      parsed.done = { summary: call.args['content'] || parsed.thought || 'The task is finished.' };
      return null;
    case 'call_user':
      parsed.needsHuman = { question: parsed.thought || 'The agent needs your help to go on.' };
      return null;
    default:
      return `unknown action ${call.name}`;
  }
}

const CLICKS: Record<string, 'left_click' | 'double_click' | 'right_click' | 'mouse_move'> = {
  click: 'left_click',
  left_single: 'left_click',
  left_double: 'double_click',
  right_single: 'right_click',
  hover: 'mouse_move',
  mouse_move: 'mouse_move',
};

/**
 * A point from any of the box notations UI-TARS versions write: `(x,y)`, `[x1, y1, x2, y2]`,
 * `<|box_start|>(x,y)<|box_end|>`, `<point>x y</point>`, `<bbox>x1 y1 x2 y2</bbox>`. A box is
 * taken at its centre.
 */
function boxCentre(value: string, toFrame: ToFrame): Point | null {
  const numbers = value
    .replace(/<\|box_(start|end)\|>|<\/?(point|bbox)>/g, ' ')
    .match(/-?\d+(\.\d+)?/g)
    ?.map(Number);
  if (!numbers || (numbers.length !== 2 && numbers.length !== 4)) return null;
  const [x1, y1, x2 = x1, y2 = y1] = numbers as [number, number, number?, number?];
  return toFrame([(x1 + x2) / 2, (y1 + y2) / 2]);
}

interface Call {
  name: string;
  args: Record<string, string>;
}

/**
 * Reads `name(key='value', key2="value")` calls one after another. Quoted values may hold
 * commas, parentheses and escapes (`\\n`, `\\'`), which a split on commas would break.
 */
function readCalls(source: string): Call[] {
  const calls: Call[] = [];
  let at = 0;
  const skipSpace = () => {
    while (at < source.length && /\s/.test(source[at]!)) at += 1;
  };
  for (;;) {
    skipSpace();
    if (at >= source.length) return calls;
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(at))?.[0];
    if (!name) throw new Error('the Action line holds something that is not an action call');
    at += name.length;
    skipSpace();
    if (source[at] !== '(') throw new Error(`${name} is not followed by "("`);
    at += 1;
    const { args, end } = readArgs(source, at);
    calls.push({ name, args });
    at = end;
  }
}

function readArgs(source: string, start: number): { args: Record<string, string>; end: number } {
  const args: Record<string, string> = {};
  let at = start;
  for (;;) {
    while (at < source.length && /[\s,]/.test(source[at]!)) at += 1;
    if (source[at] === ')') return { args, end: at + 1 };
    const key = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(at))?.[0];
    if (!key) throw new Error('an action argument has no name');
    at += key.length;
    while (/\s/.test(source[at] ?? '')) at += 1;
    if (source[at] !== '=') throw new Error(`argument ${key} has no "="`);
    at += 1;
    while (/\s/.test(source[at] ?? '')) at += 1;
    const value = readValue(source, at);
    args[key] = value.value;
    at = value.end;
    if (at >= source.length) throw new Error('an action is missing its closing ")"');
  }
}

function readValue(source: string, start: number): { value: string; end: number } {
  const quote = source[start];
  if (quote !== "'" && quote !== '"') {
    const end = source.slice(start).search(/[,)]/);
    if (end < 0) throw new Error('an action is missing its closing ")"');
    return { value: source.slice(start, start + end).trim(), end: start + end };
  }
  let value = '';
  for (let at = start + 1; at < source.length; at += 1) {
    const char = source[at]!;
    if (char === quote) return { value, end: at + 1 };
    if (char !== '\\') {
      value += char;
      continue;
    }
    at += 1;
    const escaped = source[at] ?? '';
    value += ESCAPES[escaped] ?? escaped;
  }
  throw new Error('a quoted action argument is not closed');
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r' };
