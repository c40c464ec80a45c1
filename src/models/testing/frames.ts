import { FakeDesktop } from '../../desktop/fake-desktop.ts';
import type { Frame, FrameSpec, Size } from '../../desktop/desktop.ts';
import { silentLogger } from '../../log.ts';
import type { ActionResult, Observation, SessionInit } from '../vision-model.ts';

/** A frame of a fake screen, fitted into `spec` as a real capture would be. */
export async function fakeFrame(screen: Size, spec?: FrameSpec): Promise<Frame> {
  const desktop = new FakeDesktop(screen);
  return desktop.capture(
    spec ?? { maxWidth: screen.width, maxHeight: screen.height, format: 'png' },
  );
}

export function observation(frame: Frame, fields: Partial<Observation> = {}): Observation {
  return { frame, results: [], ...fields };
}

export function ok(action: ActionResult['action']): ActionResult {
  return { action, status: 'ok', output: { kind: 'none' } };
}

export function sessionInit(fields: Partial<SessionInit> = {}): SessionInit {
  return {
    runId: 'run_test',
    task: 'open the settings',
    systemPrompt: null,
    instructions: null,
    screen: { width: 1280, height: 800 },
    stepsTaken: 0,
    deadlineAt: new Date(Date.now() + 60_000),
    log: silentLogger(),
    ...fields,
  };
}
