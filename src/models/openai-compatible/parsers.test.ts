import { describe, expect, it } from 'vitest';
import type { Point } from '../../actions/action.ts';
import { coordinateMapper, formatFor, keyCombo, smartResize } from './formats.ts';
import { parseQwen } from './qwen-vl.ts';
import { parseUiTars } from './ui-tars.ts';

const same = (point: Point): Point => point;

describe('formats', () => {
  it('tells the format from the model name', () => {
    expect(formatFor('ui-tars-1.5-7b')?.format).toBe('ui-tars-1.5');
    expect(formatFor('hf.co/ByteDance-Seed/UI-TARS-1.5-7B')?.format).toBe('ui-tars-1.5');
    expect(formatFor('bytedance/ui-tars-7b-sft')?.format).toBe('ui-tars-1.0');
    expect(formatFor('qwen2.5vl:7b')?.format).toBe('qwen2.5-vl');
    expect(formatFor('Qwen/Qwen2.5-VL-72B-Instruct')?.format).toBe('qwen2.5-vl');
    expect(formatFor('qwen3-vl:8b')?.format).toBe('qwen3-vl');
    expect(formatFor('llava:13b')).toBeNull();
  });

  it('takes an explicit format after #, and serves the name without it', () => {
    expect(formatFor('my-finetune:latest#qwen3-vl')).toEqual({
      format: 'qwen3-vl',
      served: 'my-finetune:latest',
    });
    expect(formatFor('my-finetune#nonsense')).toBeNull();
  });

  it('resizes like the Qwen-VL servers do', () => {
    const uiTars = { factor: 28, minPixels: 100 * 28 * 28, maxPixels: 16384 * 28 * 28 };
    expect(smartResize({ width: 1280, height: 800 }, uiTars)).toEqual({ width: 1288, height: 812 });
    expect(smartResize({ width: 1920, height: 1080 }, uiTars)).toEqual({
      width: 1932,
      height: 1092,
    });
    const small = { factor: 28, minPixels: 3136, maxPixels: 1_000_000 };
    const shrunk = smartResize({ width: 3840, height: 2160 }, small);
    expect(shrunk.width * shrunk.height).toBeLessThanOrEqual(1_000_000);
    expect(shrunk.width % 28).toBe(0);
  });

  it('maps each coordinate space back into the frame', () => {
    const sent = { width: 1920, height: 1080 };
    expect(coordinateMapper('ui-tars-1.5', sent)([1509, 910])).toEqual([1500, 900]);
    expect(coordinateMapper('qwen2.5-vl', sent)([1509, 910])).toEqual([1500, 900]);
    expect(coordinateMapper('qwen3-vl', sent)([781, 833])).toEqual([1500, 900]);
    expect(coordinateMapper('ui-tars-1.0', sent)([1000, 1000])).toEqual([1919, 1079]);
  });

  it('writes key combinations the way the desktop reads them', () => {
    expect(keyCombo('ctrl c')).toBe('ctrl+c');
    expect(keyCombo('Ctrl+Shift+T')).toBe('Ctrl+Shift+T');
    expect(keyCombo(['ctrl', 'alt', 'Delete'])).toBe('ctrl+alt+Delete');
    expect(keyCombo('enter')).toBe('enter');
  });
});

describe('ui-tars answers', () => {
  it('reads the thought and a click in every box notation', () => {
    for (const box of [
      "'(100,200)'",
      "'<|box_start|>(100,200)<|box_end|>'",
      "'<point>100 200</point>'",
      "'[90, 190, 110, 210]'",
    ]) {
      const reply = parseUiTars(`Thought: click it\nAction: click(start_box=${box})`, same);
      expect(reply).toEqual({
        thought: 'click it',
        actions: [{ action: 'left_click', coordinate: [100, 200] }],
      });
    }
  });

  it('reads several actions, escapes, drags, keys and scrolls', () => {
    const reply = parseUiTars(
      `Reflection: the field is empty\nAction_Summary: fill it\n` +
        `Action: type(content='it\\'s done\\n')\n\nhotkey(key='ctrl s')\n\n` +
        `drag(start_box='(1,2)', end_box='(3,4)')\n\n` +
        `scroll(start_box='(5,6)', direction='up')\n\n` +
        `left_double(start_box='(7,8)')\n\nright_single(start_box='(9,10)')\n\nwait()`,
      same,
    );
    expect(reply.problem).toBeUndefined();
    expect(reply.thought).toBe('the field is empty\nfill it');
    expect(reply.actions).toEqual([
      { action: 'type', text: "it's done\n" },
      { action: 'key', text: 'ctrl+s' },
      { action: 'left_click_drag', start_coordinate: [1, 2], coordinate: [3, 4] },
      { action: 'scroll', scroll_direction: 'up', scroll_amount: 5, coordinate: [5, 6] },
      { action: 'double_click', coordinate: [7, 8] },
      { action: 'right_click', coordinate: [9, 10] },
      { action: 'wait', duration: 5 },
    ]);
  });

  it('maps finished to done and call_user to a question for the human', () => {
    expect(
      parseUiTars("Thought: all set\nAction: finished(content='Saved, it (really) is')", same).done,
    ).toEqual({
      summary: 'Saved, it (really) is',
    });
    expect(
      parseUiTars('Thought: I need the password\nAction: call_user()', same).needsHuman,
    ).toEqual({
      question: 'I need the password',
    });
  });

  it('names what is wrong with an unusable answer', () => {
    expect(parseUiTars('I think the task is done.', same).problem).toMatch(/no "Action:" line/);
    expect(parseUiTars("Action: teleport(start_box='(1,2)')", same).problem).toMatch(
      /unknown action teleport/,
    );
    expect(parseUiTars("Action: click(start_box='(1,2)'", same).problem).toMatch(/closing/);
    expect(parseUiTars("Action: click(start_box='nowhere')", same).problem).toMatch(/start_box/);
  });
});

describe('qwen-vl answers', () => {
  const call = (args: object) =>
    `<tool_call>\n${JSON.stringify({ name: 'computer_use', arguments: args })}\n</tool_call>`;

  it('reads tool calls from text and from parsed tool calls alike', () => {
    const fromText = parseQwen(
      {
        content: `Looking.\n${call({ action: 'left_click', coordinate: [10, 20] })}`,
        toolCalls: [],
      },
      same,
    );
    const parsed = parseQwen(
      {
        content: 'Looking.',
        toolCalls: [
          {
            name: 'computer_use',
            arguments: JSON.stringify({ action: 'left_click', coordinate: [10, 20] }),
          },
        ],
      },
      same,
    );
    expect(fromText).toEqual({
      thought: 'Looking.',
      actions: [{ action: 'left_click', coordinate: [10, 20] }],
    });
    expect(parsed).toEqual(fromText);
  });

  it('maps keys, typing, scrolls, drags and waits', () => {
    const content = [
      call({ action: 'key', keys: ['ctrl', 'l'] }),
      call({ action: 'type', text: 'example.org\n' }),
      call({ action: 'scroll', pixels: -5, coordinate: [1, 1] }),
      call({ action: 'hscroll', pixels: 300 }),
      call({ action: 'left_click_drag', coordinate: [4, 5] }),
      call({ action: 'wait', time: 2 }),
    ].join('\n');
    expect(parseQwen({ content, toolCalls: [] }, same).actions).toEqual([
      { action: 'key', text: 'ctrl+l' },
      { action: 'type', text: 'example.org\n' },
      { action: 'scroll', scroll_direction: 'down', scroll_amount: 5, coordinate: [1, 1] },
      { action: 'scroll', scroll_direction: 'right', scroll_amount: 3 },
      { action: 'left_click_drag', coordinate: [4, 5] },
      { action: 'wait', duration: 2 },
    ]);
  });

  it('maps terminate to done with the answer, or to giving up', () => {
    const done = parseQwen(
      {
        content:
          call({ action: 'answer', text: '42 rows' }) +
          call({ action: 'terminate', status: 'success' }),
        toolCalls: [],
      },
      same,
    );
    expect(done.done).toEqual({ summary: '42 rows' });
    const failed = parseQwen(
      {
        content: `No such file.${call({ action: 'terminate', status: 'failure' })}`,
        toolCalls: [],
      },
      same,
    );
    expect(failed.gaveUp).toEqual({ reason: 'No such file.' });
  });

  it('names what is wrong with an unusable answer', () => {
    expect(parseQwen({ content: 'Done, I think.', toolCalls: [] }, same).problem).toMatch(
      /no <tool_call>/,
    );
    expect(
      parseQwen({ content: '<tool_call>{not json}</tool_call>', toolCalls: [] }, same).problem,
    ).toMatch(/does not hold valid JSON/);
    expect(parseQwen({ content: call({ action: 'fly' }), toolCalls: [] }, same).problem).toMatch(
      /unknown action fly/,
    );
  });
});
