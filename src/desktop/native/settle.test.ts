import { describe, expect, it } from 'vitest';
import { waitForSettle, type SettleClock } from './settle.ts';

/** A clock that only moves when the code under test sleeps, so timings are exact. */
function fakeClock(): SettleClock & { time: number } {
  return {
    time: 0,
    now() {
      return this.time;
    },
    async sleep(ms: number) {
      this.time += ms;
    },
  };
}

/** A screen whose content is a function of the fake time. */
function screen(clock: { time: number }, contentAt: (ms: number) => number) {
  return async () => Uint8Array.of(contentAt(clock.time));
}

const options = { floorMs: 20, intervalMs: 10, quietMs: 30, capMs: 1000 };

describe('waitForSettle', () => {
  it('returns after the floor and the quiet window on a static screen', async () => {
    const clock = fakeClock();
    const result = await waitForSettle(
      screen(clock, () => 1),
      options,
      clock,
    );
    expect(result).toEqual({ settled: true, waitedMs: 50, samples: 4 });
  });

  it('waits out an animation and returns once it has stopped', async () => {
    const clock = fakeClock();
    const result = await waitForSettle(
      screen(clock, (ms) => Math.min(ms, 200)),
      options,
      clock,
    );
    expect(result.settled).toBe(true);
    expect(result.waitedMs).toBeGreaterThanOrEqual(230);
    expect(result.waitedMs).toBeLessThanOrEqual(240);
  });

  it('gives up at the cap on a screen that never stops', async () => {
    const clock = fakeClock();
    const result = await waitForSettle(
      screen(clock, (ms) => ms % 256),
      options,
      clock,
    );
    expect(result.settled).toBe(false);
    expect(result.waitedMs).toBe(1000);
  });

  it('waits for a change that starts after the floor to finish', async () => {
    const clock = fakeClock();
    const result = await waitForSettle(
      screen(clock, (ms) => (ms < 40 ? 0 : ms < 100 ? ms : 100)),
      options,
      clock,
    );
    expect(result.settled).toBe(true);
    expect(result.waitedMs).toBeGreaterThanOrEqual(130);
  });
});
