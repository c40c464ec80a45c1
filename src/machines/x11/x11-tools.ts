import { execFile } from 'node:child_process';

/**
 * Small X11 command-line queries used while a virtual display starts. They run with the display
 * in their environment and a timeout, and answer null instead of throwing.
 */
export function runX11Tool(
  display: string,
  command: string,
  args: string[],
  timeoutMs = 2000,
): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { env: { ...process.env, DISPLAY: display }, timeout: timeoutMs },
      (error, stdout) => resolve(error ? null : stdout),
    );
  });
}

/** Polls `check` every `intervalMs` until it answers true; false when `timeoutMs` runs out. */
export async function pollUntil(
  check: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 50,
): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (performance.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Whether a window manager has announced itself on the display (EWMH). */
export async function windowManagerRunning(display: string): Promise<boolean> {
  const out = await runX11Tool(display, 'xprop', ['-root', '_NET_SUPPORTING_WM_CHECK']);
  return out !== null && /window id/.test(out);
}

/** Whether a process has a visible window on the display, found by the PID the window names. */
export async function hasVisibleWindow(display: string, pid: number): Promise<boolean> {
  const out = await runX11Tool(display, 'xdotool', ['search', '--onlyvisible', '--pid', `${pid}`]);
  return out !== null && out.trim().length > 0;
}
