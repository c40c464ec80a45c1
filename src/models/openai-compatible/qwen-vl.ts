import type { Action, Point } from '../../actions/action.ts';
import type { ActionResult } from '../vision-model.ts';
import { keyCombo, modelScreenSize, type ToFrame } from './formats.ts';
import type { ActionFormat, ParsedReply, RawReply } from './reply.ts';

type QwenFormat = 'qwen2.5-vl' | 'qwen3-vl';

const QWEN25_ACTIONS = [
  'key',
  'type',
  'mouse_move',
  'left_click',
  'left_click_drag',
  'right_click',
  'middle_click',
  'double_click',
  'scroll',
  'wait',
  'terminate',
];
const QWEN3_ACTIONS = [...QWEN25_ACTIONS, 'triple_click', 'hscroll', 'answer'];

/**
 * The `computer_use` function as Qwen-VL models were trained on it. Its description states the
 * coordinate space: the resized frame's pixels for Qwen2.5-VL, 1000×1000 for Qwen3-VL.
 */
function computerUseFunction(format: QwenFormat, screen: { width: number; height: number }) {
  const size = modelScreenSize(format, screen);
  const actions = format === 'qwen3-vl' ? QWEN3_ACTIONS : QWEN25_ACTIONS;
  return {
    type: 'function',
    function: {
      name: 'computer_use',
      description: [
        'Use a mouse and keyboard to work with a desktop computer, looking at screenshots.',
        `* The screen's resolution is ${size.width}x${size.height}.`,
        '* Click on the middle of elements, not their edges, ' +
          'and check the next screenshot for the effect.',
        '* key presses the keys in order and releases them in reverse; ' +
          'left_click_drag drags from the cursor to coordinate.',
        '* scroll takes pixels: positive scrolls up, negative down.',
        '* terminate ends the task with status success or failure.',
      ].join('\n'),
      parameters: {
        type: 'object',
        properties: {
          action: { type: 'string', enum: actions },
          keys: { type: 'array', description: 'Keys for action=key.' },
          text: { type: 'string', description: 'Text for action=type or action=answer.' },
          coordinate: { type: 'array', description: '(x, y) for clicks, moves and drags.' },
          pixels: { type: 'number', description: 'Amount for action=scroll or hscroll.' },
          time: { type: 'number', description: 'Seconds for action=wait.' },
          status: { type: 'string', enum: ['success', 'failure'], description: 'For terminate.' },
        },
        required: ['action'],
      },
    },
  };
}

function qwenSystem(
  format: QwenFormat,
  screen: { width: number; height: number },
  guidance: string | null,
) {
  const tool = JSON.stringify(computerUseFunction(format, screen));
  return [
    `You operate a computer to complete the user's task.${guidance ? `\n\n${guidance}` : ''}`,
    '',
    '# Tools',
    '',
    "You may call one or more functions for the user's task.",
    '',
    'The functions you can call are described inside <tools></tools> XML tags:',
    '<tools>',
    tool,
    '</tools>',
    '',
    "For each function call, write a JSON object with the function's name and arguments " +
      'inside <tool_call></tool_call> XML tags:',
    '<tool_call>',
    '{"name": <function-name>, "arguments": <args-json-object>}',
    '</tool_call>',
  ].join('\n');
}

export function qwenFormat(name: QwenFormat): ActionFormat {
  return {
    name,
    instructions: ({ task, guidance, screen }) => ({
      system: qwenSystem(name, screen, guidance),
      firstUser: task,
    }),
    parse: (reply, toFrame) => parseQwen(reply, toFrame),
    historyText,
    resultsText: qwenResults,
  };
}

/** Tool calls are kept as text in the history, as the model wrote them (or as it would have). */
function historyText(reply: RawReply): string {
  if (reply.toolCalls.length === 0) return reply.content;
  const calls = reply.toolCalls.map(
    (call) => `<tool_call>\n{"name": "${call.name}", "arguments": ${call.arguments}}\n</tool_call>`,
  );
  return [reply.content.trim(), ...calls].filter(Boolean).join('\n');
}

function qwenResults(results: ActionResult[]): string | null {
  if (results.length === 0) return null;
  const lines = results.map((result) => {
    if (result.status === 'ok') return `${result.action.action}: done`;
    return (
      `${result.action.action}: ` +
      `${result.status === 'error' ? 'failed' : 'not executed'}: ${result.error ?? ''}`
    );
  });
  return `<tool_response>\n${lines.join('\n')}\n</tool_response>`;
}

export function parseQwen(reply: RawReply, toFrame: ToFrame): ParsedReply {
  const thought = reply.content.replace(/<tool_call>[\s\S]*?(<\/tool_call>|$)/g, '').trim() || null;
  const parsed: ParsedReply = { thought, actions: [] };

  const calls = [...reply.toolCalls.map((call) => call.arguments), ...textCalls(reply.content)];
  if (calls.length === 0) return { ...parsed, problem: 'the answer has no <tool_call>' };

  let answer: string | null = null;
  for (const raw of calls) {
    const args = readArguments(raw);
    if (!args) return { ...parsed, problem: 'a <tool_call> does not hold valid JSON' };
    if (args['action'] === 'answer') {
      answer = String(args['text'] ?? '');
      continue;
    }
    const problem = applyAction(args, parsed, toFrame, answer);
    if (problem) return { ...parsed, problem };
  }
  return parsed;
}

/** The JSON inside each `<tool_call>` tag, for servers that do not parse tool calls. */
function textCalls(content: string): string[] {
  return [...content.matchAll(/<tool_call>([\s\S]*?)(<\/tool_call>|$)/g)].map((m) => m[1]!.trim());
}

/** The arguments object, from either `{"name", "arguments"}` or a bare arguments object. */
function readArguments(raw: string): Record<string, unknown> | null {
  try {
    const value = JSON.parse(raw) as Record<string, unknown>;
    const args = value['arguments'] ?? value;
    return typeof args === 'string'
      ? (JSON.parse(args) as Record<string, unknown>)
      : (args as Record<string, unknown>);
  } catch {
    return null;
  }
}

function applyAction(
  args: Record<string, unknown>,
  parsed: ParsedReply,
  toFrame: ToFrame,
  answer: string | null,
): string | null {
  const action = String(args['action'] ?? '');
  const at = pointOf(args['coordinate'], toFrame);
  const push = (value: Action) => parsed.actions.push(value);

  switch (action) {
    case 'left_click':
    case 'right_click':
    case 'middle_click':
    case 'double_click':
    case 'triple_click':
      push({ action, ...(at ? { coordinate: at } : {}) });
      return null;
    case 'mouse_move':
    case 'left_click_drag':
      if (!at) return `${action} needs coordinate [x, y]`;
      push({ action, coordinate: at });
      return null;
    case 'type':
      push({ action: 'type', text: String(args['text'] ?? '') });
      return null;
    case 'key': {
      const keys = Array.isArray(args['keys']) ? args['keys'].map(String) : [];
      if (keys.length === 0) return 'key needs keys';
      push({ action: 'key', text: keyCombo(keys) });
      return null;
    }
    case 'scroll':
    case 'hscroll':
      push(scroll(action, Number(args['pixels'] ?? 0), at));
      return null;
    case 'wait':
      push({ action: 'wait', duration: Math.min(300, Math.max(0, Number(args['time'] ?? 2))) });
      return null;
    case 'terminate':
      if (args['status'] === 'failure') {
        parsed.gaveUp = { reason: answer || parsed.thought || 'the model gave up' };
      } else {
        parsed.done = { summary: answer || parsed.thought || 'The task is complete.' };
      }
      return null;
    default:
      return `unknown action ${action || '(none)'}`;
  }
}

/**
 * Qwen's `pixels` is passed to pyautogui, where it counts wheel clicks on Linux and Windows;
 * models also write pixel-like amounts such as -500, read here as hundreds of pixels per click.
 */
function scroll(kind: 'scroll' | 'hscroll', pixels: number, at: Point | null): Action {
  const size = Math.abs(pixels);
  const clicks = Math.min(30, Math.max(1, Math.round(size >= 50 ? size / 100 : size)));
  const positive = kind === 'scroll' ? 'up' : 'right';
  const negative = kind === 'scroll' ? 'down' : 'left';
  return {
    action: 'scroll',
    scroll_direction: pixels >= 0 ? positive : negative,
    scroll_amount: clicks,
    ...(at ? { coordinate: at } : {}),
  };
}

function pointOf(value: unknown, toFrame: ToFrame): Point | null {
  if (!Array.isArray(value) || value.length < 2) return null;
  const [x, y] = value.map(Number) as [number, number];
  return Number.isFinite(x) && Number.isFinite(y) ? toFrame([x, y]) : null;
}
