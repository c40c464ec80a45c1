import type { Readable } from 'node:stream';
import type { Size } from '../../desktop/desktop.ts';
import { OwnedProcess } from './owned-process.ts';

const START_TIMEOUT_MS = 15_000;

export interface StartedXvfb {
  process: OwnedProcess;
  /** The display Xvfb picked, such as `:3`. */
  display: string;
}

/**
 * Starts an Xvfb screen of the given size. With `-displayfd` and no display number, Xvfb picks a
 * free display itself and writes its number to the descriptor once it accepts connections, which
 * is both the free-number search and the readiness check (NATIVE.md §7).
 */
export async function startXvfb(size: Size): Promise<StartedXvfb> {
  const xvfb = OwnedProcess.start(
    'Xvfb',
    'Xvfb',
    ['-screen', '0', `${size.width}x${size.height}x24`, '-nolisten', 'tcp', '-displayfd', '3'],
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] },
  );
  try {
    const number = await readDisplayNumber(xvfb);
    return { process: xvfb, display: `:${number}` };
  } catch (error) {
    await xvfb.stop();
    throw error;
  }
}

function readDisplayNumber(xvfb: OwnedProcess): Promise<string> {
  const fd = xvfb.child.stdio[3] as Readable;
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(
      () => reject(new Error(`Xvfb did not report a display within ${START_TIMEOUT_MS} ms`)),
      START_TIMEOUT_MS,
    );
    fd.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const line = /^(\d+)\n/.exec(text);
      if (line) {
        clearTimeout(timer);
        fd.destroy();
        resolve(line[1]!);
      }
    });
    void xvfb.exited.then(() => {
      clearTimeout(timer);
      const why = xvfb.stderrTail.split('\n').slice(-3).join(' ') || 'no message';
      reject(new Error(`Xvfb exited before it was ready: ${why}`));
    });
  });
}
