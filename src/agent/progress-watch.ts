import { createHash } from 'node:crypto';
import type { Action } from '../actions/action.ts';
import type { Frame } from '../desktop/desktop.ts';
import { RunError } from '../errors.ts';

export interface ProgressOptions {
  /** Identical steps in a row (same screen, same actions) before the agent is warned. */
  noProgressWarnAfter: number;
  /** Identical steps in a row before the run fails `no_progress`. */
  noProgressFailAfter: number;
}

/**
 * Notices an agent going round in circles: the same screen answered with the same actions, step
 * after step. It first tells the agent, then ends the run rather than burn its remaining steps.
 */
export class ProgressWatch {
  readonly #options: ProgressOptions;
  #signature = '';
  #repeats = 0;

  constructor(options: ProgressOptions) {
    this.#options = options;
  }

  /** Records a step; returns a notice for the agent, or throws once it has repeated too often. */
  note(frame: Frame, actions: Action[]): string | null {
    const signature = createHash('sha1')
      .update(frame.image)
      .update(JSON.stringify(actions))
      .digest('hex');
    this.#repeats = signature === this.#signature ? this.#repeats + 1 : 1;
    this.#signature = signature;

    if (this.#repeats >= this.#options.noProgressFailAfter) {
      throw new RunError(
        'no_progress',
        `the screen and the actions did not change for ${this.#repeats} steps`,
      );
    }
    if (this.#repeats < this.#options.noProgressWarnAfter) return null;
    return (
      `Nothing has changed on the screen for your last ${this.#repeats} identical steps. ` +
      'Try a different approach.'
    );
  }
}
