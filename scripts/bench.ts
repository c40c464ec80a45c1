/**
 * `npm run bench`: what a step's screen work costs on this machine, through the real worker and
 * its IPC, on Xvfb with Chromium showing a page.
 *
 * - capture: milliseconds per frame at 1280×800 and 1920×1080, for nut-js grab + sharp and for
 *   screenshot-desktop, each frame shrunk into a 1280×800 box and encoded as PNG;
 * - settle: from the end of an action to the next frame on a static screen, against the fixed
 *   half-second sleep that other agents use, measured in the same run.
 *
 * Medians and 90th percentiles over `--rounds` (default 20) after one warm-up. It is a benchmark,
 * not a test: numbers vary ±30 % on a busy two-core machine.
 */
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { silentLogger } from '../src/log.ts';
import type { FrameSpec } from '../src/desktop/desktop.ts';
import type { WorkerDesktop } from '../src/desktop/worker/worker-desktop.ts';
import { startVirtualDisplay } from '../src/machines/x11/virtual-display.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '20' } } });
const ROUNDS = Number(values.rounds);
const PAGE = pathToFileURL(
  join(import.meta.dirname, '..', 'fixtures', 'pages', 'input-recorder.html'),
);
const SPEC: FrameSpec = { maxWidth: 1280, maxHeight: 800, format: 'png' };
const FIXED_SLEEP_MS = 500;

interface Stats {
  median: number;
  p90: number;
}

async function measure(rounds: number, task: () => Promise<unknown>): Promise<Stats> {
  await task();
  const times: number[] = [];
  for (let i = 0; i < rounds; i += 1) {
    const started = performance.now();
    await task();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
  return { median: at(0.5), p90: at(0.9) };
}

function row(label: string, stats: Stats, note = ''): string {
  const ms = (v: number) => `${v.toFixed(1).padStart(7)} ms`;
  return `${label.padEnd(46)}${ms(stats.median)}${ms(stats.p90)}  ${note}`;
}

async function benchCapture(desktop: WorkerDesktop, size: string): Promise<string[]> {
  const grab = await measure(ROUNDS, () => desktop.capture(SPEC, 'grab'));
  const shot = await measure(ROUNDS, () => desktop.capture(SPEC, 'screenshot-desktop'));
  const ratio = (shot.median / grab.median).toFixed(1);
  return [
    row(`capture ${size}, grab + sharp`, grab),
    row(`capture ${size}, screenshot-desktop`, shot, `${ratio}× the grab path`),
  ];
}

async function benchSettle(desktop: WorkerDesktop, size: string): Promise<string[]> {
  let x = 10;
  const move = () => {
    x = x === 10 ? 11 : 10;
    return desktop.perform({ action: 'mouse_move', coordinate: [x, 10] }, SPEC);
  };
  const settleOnly = await measure(ROUNDS, () => desktop.settle());
  const settled = await measure(ROUNDS, async () => {
    await move();
    await desktop.capture(SPEC);
  });
  const fixed = await measure(Math.min(ROUNDS, 10), async () => {
    await desktop.perform({ action: 'screenshot' }, SPEC);
    await new Promise((resolve) => setTimeout(resolve, FIXED_SLEEP_MS));
    await desktop.capture(SPEC);
  });
  const ratio = (fixed.median / settled.median).toFixed(1);
  return [
    row(`settle ${size}, static screen, wait only`, settleOnly),
    row(`action end → next frame ${size}, settle`, settled),
    row(
      `action end → next frame ${size}, ` + `${FIXED_SLEEP_MS} ms sleep`,
      fixed,
      `${ratio}× settle`,
    ),
  ];
}

async function benchSize(width: number, height: number): Promise<string[]> {
  const vm = await startVirtualDisplay({
    width,
    height,
    windowManager: 'none',
    launch: [{ browser: PAGE.href }],
    log: silentLogger(),
  });
  try {
    const desktop = vm.desktop as WorkerDesktop;
    const size = `${width}×${height}`;
    return [...(await benchCapture(desktop, size)), ...(await benchSettle(desktop, size))];
  } finally {
    await vm.stop();
  }
}

const lines = [...(await benchSize(1280, 800)), ...(await benchSize(1920, 1080))];
console.log(`${''.padEnd(46)}${'median'.padStart(10)}${'p90'.padStart(10)}`);
for (const line of lines) console.log(line);
console.log(`(${ROUNDS} rounds after a warm-up; frames shrunk into 1280×800 and encoded as PNG)`);
