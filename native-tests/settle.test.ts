import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { StepRecord } from '../src/runs/step.ts';
import { usePagesAndDaemon } from './support/pages-and-daemon.ts';

describe('waiting for the screen to settle', () => {
  const started = usePagesAndDaemon();

  it('shows an animation finished, not caught halfway, in the frame after the action', async () => {
    const { daemon, pages } = started;
    const machine = await daemon.createMachine({
      width: 1024,
      height: 768,
      launch: [{ browser: pages.pageUrl('settle-check.html') }],
    });
    await pages.waitFor((event) => event.type === 'ready', 20_000, 'the page to load');

    // The box is at (100, 100) of the page, which starts under Chromium's toolbar.
    const run = await daemon.createScriptedRun(machine.id, {
      turns: [
        {
          actions: [
            { action: 'left_click', coordinate: [250, 250] },
            { action: 'zoom', region: [150, 230, 350, 260] },
          ],
        },
        { done: true },
      ],
    });
    const ended = await daemon.waitForRun(run.id, 30_000);
    expect(ended.state, JSON.stringify(ended.error)).toBe('succeeded');
    await pages.waitFor((event) => event.type === 'started', 5000, 'the animation to start');

    const steps = await daemon.request<{ data: StepRecord[] }>('GET', `/v1/runs/${run.id}/steps`);
    const [click, zoom] = steps.body.data[0]!.actions;
    // The click waited for the 800 ms change to end, and not much longer.
    expect(click!.duration_ms).toBeGreaterThanOrEqual(700);
    expect(click!.duration_ms).toBeLessThan(2500);

    const { screenshot_id } = zoom!.output as { screenshot_id: string };
    const image = await fetch(`${daemon.url}/v1/runs/${run.id}/screenshots/${screenshot_id}`, {
      headers: { authorization: `Bearer ${daemon.apiKey}` },
    });
    const { data } = await sharp(Buffer.from(await image.arrayBuffer()))
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect([...data.subarray(0, 3)]).toEqual([0, 0, 255]);
  });
});
