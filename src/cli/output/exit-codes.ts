import type { RunState } from '../../runs/run.ts';

/**
 * Exit codes, so that scripts can tell outcomes apart without parsing output. Only a succeeded
 * run (or a command that did what it was asked) exits 0.
 */
export const exitCodes = {
  ok: 0,
  runFailed: 1,
  /** A bad flag, or a request the API refused (400, 404, 409). */
  usage: 2,
  runCancelled: 3,
  runTimedOut: 4,
  /** No daemon answered, the key was refused, or the daemon failed. */
  daemon: 5,
  /** The CLI itself failed; a bug to report. */
  internal: 70,
  /** Stopped following with Ctrl+C while the run went on. */
  detached: 130,
} as const;

/** The exit code for a run that stopped in `state`. */
export function exitCodeForState(state: RunState): number {
  switch (state) {
    case 'succeeded':
      return exitCodes.ok;
    case 'cancelled':
      return exitCodes.runCancelled;
    case 'timed_out':
      return exitCodes.runTimedOut;
    case 'failed':
      return exitCodes.runFailed;
    default:
      // The run is still going: the CLI only stops following one that is not done on a detach.
      return exitCodes.detached;
  }
}
