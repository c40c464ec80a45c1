import { startXvfb } from '../../src/machines/x11/xvfb.ts';

/** A bare Xvfb screen for a test, on a display it picks itself; `stop()` ends it by PID. */
export async function startTestDisplay(width: number, height: number) {
  const { process: xvfb, display } = await startXvfb({ width, height });
  return { display, pid: xvfb.pid!, stop: () => xvfb.stop() };
}
