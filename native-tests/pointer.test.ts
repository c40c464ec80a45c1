import { describe, expect, it } from 'vitest';
import { fitInside, frameToScreen } from '../src/desktop/coordinates.ts';
import type { PageEvent } from './support/page-server.ts';
import { usePagesAndDaemon } from './support/pages-and-daemon.ts';

const SCREEN = { width: 1920, height: 1080 };
/** The frame the script is written for, as a model shown 1280×720 screenshots would write it. */
const FRAME = fitInside(SCREEN, { maxWidth: 1280, maxHeight: 720 });

/** Where each action should land on the screen; the page sits below Chromium's toolbar. */
const TARGETS = {
  click: [301, 401],
  shiftClick: [1517, 333],
  double: [777, 555],
  triple: [1000, 700],
  right: [1200, 450],
  middle: [640, 900],
  dragFrom: [400, 800],
  dragTo: [1500, 950],
  scrollDown: [960, 600],
  scrollRight: [250, 1000],
  scrollUp: [1700, 300],
  scrollLeft: [1100, 1040],
} as const satisfies Record<string, readonly [number, number]>;

/** The frame coordinate a model would give for a screen point: the nearest frame pixel. */
function inFrame([x, y]: readonly [number, number]): [number, number] {
  return [
    Math.round((x * FRAME.width) / SCREEN.width),
    Math.round((y * FRAME.height) / SCREEN.height),
  ];
}

describe('pointer actions on a 1920×1080 display seen as 1280×720 frames', () => {
  const started = usePagesAndDaemon();

  it('lands every click, drag and scroll within 1 px of the intended screen point', async () => {
    const { daemon, pages } = started;
    const machine = await daemon.createMachine({
      ...SCREEN,
      launch: [{ browser: pages.pageUrl('input-recorder.html') }],
    });
    await pages.waitFor((event) => event.type === 'ready', 20_000, 'the page to load');

    const t = TARGETS;
    const run = await daemon.createScriptedRun(machine.id, {
      frame: FRAME,
      turns: [
        {
          actions: [
            { action: 'left_click', coordinate: inFrame(t.click) },
            { action: 'left_click', coordinate: inFrame(t.shiftClick), text: 'shift' },
            { action: 'double_click', coordinate: inFrame(t.double) },
            { action: 'triple_click', coordinate: inFrame(t.triple) },
            { action: 'right_click', coordinate: inFrame(t.right) },
            { action: 'middle_click', coordinate: inFrame(t.middle) },
          ],
        },
        {
          actions: [
            {
              action: 'left_click_drag',
              start_coordinate: inFrame(t.dragFrom),
              coordinate: inFrame(t.dragTo),
            },
            { action: 'scroll', coordinate: inFrame(t.scrollDown), scroll_direction: 'down' },
            { action: 'scroll', coordinate: inFrame(t.scrollRight), scroll_direction: 'right' },
            { action: 'scroll', coordinate: inFrame(t.scrollUp), scroll_direction: 'up' },
            { action: 'scroll', coordinate: inFrame(t.scrollLeft), scroll_direction: 'left' },
          ],
        },
        { done: true, text: 'pointed' },
      ],
    });
    const ended = await daemon.waitForRun(run.id, 45_000);
    expect(ended.state, JSON.stringify(ended.error)).toBe('succeeded');

    const seen = (type: string, where: readonly [number, number], more = (_: PageEvent) => true) =>
      pages.waitFor(
        (event) => event.type === type && near(event, where) && more(event),
        5000,
        `${type} at ${where.join(',')}`,
      );

    await seen('click', t.click, (e) => e['button'] === 0 && e['shift'] === false);
    await seen('click', t.shiftClick, (e) => e['shift'] === true);
    await seen('dblclick', t.double);
    await seen('click', t.triple, (e) => e['detail'] === 3);
    await seen('contextmenu', t.right, (e) => e['button'] === 2);
    await seen('auxclick', t.middle, (e) => e['button'] === 1);
    await seen('mousedown', t.dragFrom, (e) => e['button'] === 0);
    await seen('mouseup', t.dragTo, (e) => e['button'] === 0);
    await seen('wheel', t.scrollDown, (e) => (e['deltaY'] as number) > 0);
    await seen('wheel', t.scrollRight, (e) => (e['deltaX'] as number) > 0);
    await seen('wheel', t.scrollUp, (e) => (e['deltaY'] as number) < 0);
    await seen('wheel', t.scrollLeft, (e) => (e['deltaX'] as number) < 0);

    // The mapping the daemon applied puts each of those points within 1 px as well.
    for (const target of Object.values(t)) {
      const mapped = frameToScreen(inFrame(target), { sent: FRAME, screen: SCREEN });
      expect(Math.abs(mapped[0] - target[0])).toBeLessThanOrEqual(1);
      expect(Math.abs(mapped[1] - target[1])).toBeLessThanOrEqual(1);
    }
    await daemon.request('DELETE', `/v1/machines/${machine.id}`);
  });

  it('types any string into a browser field exactly', async () => {
    const { daemon, pages } = started;
    const text = 'Grüße <b>&</b> ~!@#$%^*()_+{}|:"?> 東京 😀 tab\there';
    pages.events.length = 0;
    const machine = await daemon.createMachine({
      width: 1280,
      height: 800,
      launch: [{ browser: pages.pageUrl('input-recorder.html') }],
    });
    await pages.waitFor((event) => event.type === 'ready', 20_000, 'the page to load');

    // The field sits at (40, 40) in the page, below Chromium's toolbar.
    const run = await daemon.createScriptedRun(machine.id, {
      turns: [
        {
          actions: [
            { action: 'left_click', coordinate: [200, 140] },
            { action: 'type', text: text.replace('\t', ' ') },
          ],
        },
        { done: true },
      ],
    });
    const ended = await daemon.waitForRun(run.id, 30_000);
    expect(ended.state, JSON.stringify(ended.error)).toBe('succeeded');
    await pages.waitFor(
      (event) => event.type === 'input' && event['value'] === text.replace('\t', ' '),
      5000,
      'the typed text in the field',
    );
  });
});

function near(event: PageEvent, [x, y]: readonly [number, number]): boolean {
  return Math.abs((event['x'] as number) - x) <= 1 && Math.abs((event['y'] as number) - y) <= 1;
}
