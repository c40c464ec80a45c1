import { execFile } from 'node:child_process';
import { connect } from 'node:net';

/**
 * Whether an X display answers. nut-js does not throw on a missing display: its first call
 * segfaults the process (NATIVE.md §6), so a worker checks this before loading it.
 *
 * A local display `:N` is checked by connecting to its socket, which costs well under a
 * millisecond; anything else (a TCP display such as `localhost:10.0` from ssh) by `xdpyinfo`.
 */
export async function displayAnswers(display: string, timeoutMs = 3000): Promise<boolean> {
  const local = /^(?:unix)?:(\d+)(?:\.\d+)?$/.exec(display);
  if (local) return socketAnswers(`/tmp/.X11-unix/X${local[1]}`, timeoutMs);
  return xdpyinfoAnswers(display, timeoutMs);
}

function socketAnswers(path: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function xdpyinfoAnswers(display: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    execFile('xdpyinfo', ['-display', display], { timeout: timeoutMs }, (error) =>
      resolve(error === null),
    );
  });
}
