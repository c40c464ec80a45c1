/**
 * A stand-in for the desktop worker, for testing how the daemon side copes when a worker goes
 * wrong. It never touches a display. `DESKPILOT_FAKE_WORKER` says how it misbehaves:
 *
 * - `crash`: `perform` writes an Xlib-like error and exits with code 1, as on a dead X server;
 * - `hang`: `capture` blocks the event loop for good, as a stuck native call would;
 * - `helper`: `perform` starts a helper process and reports its PID, then answers normally.
 */
import { spawn } from 'node:child_process';
import type { WorkerMessage, WorkerRequest } from '../protocol.ts';

const mode = process.env['DESKPILOT_FAKE_WORKER'] ?? 'crash';

function send(message: WorkerMessage): void {
  process.send!(message);
}

function reply(id: number, result: unknown): void {
  send({ type: 'response', id, ok: true, result });
}

process.on('message', (message: unknown) => {
  const request = message as WorkerRequest;
  switch (request.method) {
    case 'hello':
      return reply(request.id, {
        display: ':fake',
        size: { width: 640, height: 480 },
        density: 1,
        canPaste: false,
      });
    case 'cursor':
      return reply(request.id, [1, 2]);
    case 'capture':
      if (mode === 'hang') for (;;);
      return reply(request.id, null);
    case 'perform':
      if (mode === 'crash') {
        process.stderr.write('XIO:  fatal IO error 0 (Success) on X server ":fake"\n');
        process.exit(1);
      }
      if (mode === 'helper') {
        const helper = spawn('sleep', ['60'], { stdio: 'ignore' });
        send({ type: 'helper', pid: helper.pid!, running: true });
      }
      return reply(request.id, { kind: 'none' });
    default:
      return reply(request.id, null);
  }
});

process.on('disconnect', () => process.exit(0));
