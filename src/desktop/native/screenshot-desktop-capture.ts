import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import screenshot from 'screenshot-desktop';
import type { ImageFormat } from '../desktop.ts';

/**
 * screenshot-desktop, the portable capture backend (it picks a monitor on macOS and Windows),
 * wrapped so that it fails cleanly. On Linux it runs `xrandr` and then ImageMagick's `import` for
 * every shot; when `xrandr` is missing or the display is dead, its promise is rejected nowhere and
 * crashes the process, or never settles when an `unhandledRejection` handler exists
 * (NATIVE.md §6). So the tools are checked first and every call is raced against a timeout. The
 * worker that calls this has one DISPLAY for its whole life, so the library's habit of reading the
 * environment at each spawn cannot mix displays.
 */
export async function captureWithScreenshotDesktop(
  format: ImageFormat,
  timeoutMs: number,
): Promise<Buffer> {
  checkTools();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`screenshot-desktop did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    const shot = screenshot({ format: format === 'jpeg' ? 'jpg' : 'png' });
    return await Promise.race([shot, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

let toolsChecked = false;

function checkTools(): void {
  if (toolsChecked || process.platform !== 'linux') return;
  for (const [tool, pkg] of [
    ['xrandr', 'x11-xserver-utils'],
    ['import', 'imagemagick'],
  ] as const) {
    if (!onPath(tool)) throw new Error(`screenshot-desktop needs ${tool} (Debian package ${pkg})`);
  }
  toolsChecked = true;
}

function onPath(tool: string): boolean {
  return (process.env['PATH'] ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, tool), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
