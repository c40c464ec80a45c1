/**
 * Waits until the screen stops changing after an action, instead of sleeping a fixed half second
 * or more as other agents do. Raw grabs are cheap (5–14 ms, NATIVE.md §4) and comparing two is a
 * memcmp, so the screen is sampled until it has looked the same for `quietMs`. A static screen
 * costs the floor plus a couple of samples; an animation is waited out up to the cap.
 */
export interface SettleOptions {
  /** Always wait this long first: an app needs a moment to react to the input at all. */
  floorMs: number;
  /** Pause between two samples. */
  intervalMs: number;
  /** The screen counts as settled once it has not changed for this long. */
  quietMs: number;
  /** Give up waiting after this long, for screens that never stop (a video, a spinner). */
  capMs: number;
}

export const defaultSettleOptions: SettleOptions = {
  floorMs: 20,
  intervalMs: 15,
  quietMs: 30,
  capMs: 2500,
};

export interface SettleResult {
  settled: boolean;
  waitedMs: number;
  samples: number;
}

export interface SettleClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: SettleClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** `sample` returns the screen's raw pixels; two samples are equal when their bytes are. */
export async function waitForSettle(
  sample: () => Promise<Uint8Array>,
  options: SettleOptions = defaultSettleOptions,
  clock: SettleClock = realClock,
): Promise<SettleResult> {
  const started = clock.now();
  await clock.sleep(options.floorMs);

  let previous = await sample();
  let samples = 1;
  let unchangedSince = clock.now();

  for (;;) {
    const now = clock.now();
    if (now - unchangedSince >= options.quietMs) {
      return { settled: true, waitedMs: now - started, samples };
    }
    if (now - started >= options.capMs) {
      return { settled: false, waitedMs: now - started, samples };
    }

    await clock.sleep(options.intervalMs);
    const current = await sample();
    samples += 1;
    if (!sameBytes(previous, current)) {
      previous = current;
      unchangedSince = clock.now();
    }
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}
