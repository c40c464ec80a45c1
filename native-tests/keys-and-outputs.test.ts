import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { StepRecord } from '../src/runs/step.ts';
import { usePagesAndDaemon } from './support/pages-and-daemon.ts';

describe('keys, held buttons and action outputs in a browser', () => {
  const started = usePagesAndDaemon();

  it('performs key names as models write them, and answers cursor and zoom', async () => {
    const { daemon, pages } = started;
    const machine = await daemon.createMachine({
      width: 1280,
      height: 800,
      launch: [{ browser: pages.pageUrl('input-recorder.html') }],
    });
    await pages.waitFor((event) => event.type === 'ready', 20_000, 'the page to load');

    const run = await daemon.createScriptedRun(machine.id, {
      turns: [
        {
          actions: [
            // The field is at (40, 40) of the page, under Chromium's toolbar.
            { action: 'left_click', coordinate: [200, 140] },
            { action: 'type', text: 'hello world' },
            { action: 'key', text: 'ctrl+a' },
            { action: 'key', text: 'BackSpace' },
            { action: 'type', text: 'abc' },
            { action: 'key', text: 'Left', repeat: 2 },
            { action: 'key', text: 'shift+Home' },
            { action: 'type', text: 'X' },
            { action: 'key', text: 'End' },
            { action: 'hold_key', text: 'shift', duration: 0.2 },
            { action: 'key', text: 'Page_Down' },
            { action: 'key', text: 'super' },
            { action: 'key', text: 'ctrl+shift+plus' },
          ],
        },
        {
          actions: [
            { action: 'left_mouse_down', coordinate: [900, 500] },
            { action: 'mouse_move', coordinate: [950, 520] },
            { action: 'left_mouse_up', coordinate: [1000, 540] },
            { action: 'cursor_position' },
            { action: 'zoom', region: [100, 200, 420, 380] },
            { action: 'wait', duration: 0.1 },
          ],
        },
        { done: true, text: 'keys pressed' },
      ],
    });
    const ended = await daemon.waitForRun(run.id, 40_000);
    expect(ended.state, JSON.stringify(ended.error)).toBe('succeeded');

    await pages.waitFor((e) => e.type === 'input' && e['value'] === 'Xbc', 5000, 'field "Xbc"');
    for (const key of ['PageDown', 'Meta', '+']) {
      await pages.waitFor((e) => e.type === 'keydown' && e['key'] === key, 5000, `key ${key}`);
    }
    await pages.waitFor((e) => e.type === 'mousedown' && e['x'] === 900, 5000, 'button down');
    await pages.waitFor((e) => e.type === 'mouseup' && e['x'] === 1000, 5000, 'button up');

    const steps = await daemon.request<{ data: StepRecord[] }>('GET', `/v1/runs/${run.id}/steps`);
    const outputs = steps.body.data[1]!.actions.map((action) => action.output);
    expect(outputs[3]).toEqual({ cursor: [1000, 540] });

    const zoomed = outputs[4] as { screenshot_id: string };
    const image = await fetch(
      `${daemon.url}/v1/runs/${run.id}/screenshots/${zoomed.screenshot_id}`,
      {
        headers: { authorization: `Bearer ${daemon.apiKey}` },
      },
    );
    const meta = await sharp(Buffer.from(await image.arrayBuffer())).metadata();
    expect([meta.width, meta.height]).toEqual([320, 180]);
  });

  it('tells the model about a key name it does not know and goes on', async () => {
    const { daemon } = started;
    const machine = await daemon.createMachine({ width: 800, height: 600 });
    const run = await daemon.createScriptedRun(machine.id, {
      turns: [{ actions: [{ action: 'key', text: 'ctrl+banana' }] }, { done: true }],
    });
    const ended = await daemon.waitForRun(run.id, 20_000);
    expect(ended.state).toBe('succeeded');
    const steps = await daemon.request<{ data: StepRecord[] }>('GET', `/v1/runs/${run.id}/steps`);
    expect(steps.body.data[0]!.actions[0]).toMatchObject({
      status: 'error',
      error: expect.stringMatching(/"banana" is not a key name/),
    });
  });
});
