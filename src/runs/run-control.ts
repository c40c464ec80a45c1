/**
 * The in-memory handle on a run whose agent loop is alive: the signal that stops it, and the
 * rendezvous where a paused loop waits for the human.
 */
export class RunControl {
  readonly #abort = new AbortController();
  #pauseRequested = false;
  #resumeWaiters: ((message: string | null) => void)[] = [];
  #unclaimedMessage: string | null = null;

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  get pauseRequested(): boolean {
    return this.#pauseRequested;
  }

  /** Stops the loop: an in-flight model call is aborted and no further action starts. */
  stop(reason: string): void {
    if (!this.#abort.signal.aborted) this.#abort.abort(new RunStoppedError(reason));
  }

  requestPause(): void {
    this.#pauseRequested = true;
  }

  /** Wakes the loop waiting for a human, handing it the human's message. */
  resume(message: string | null): void {
    this.#pauseRequested = false;
    const waiters = this.#resumeWaiters;
    this.#resumeWaiters = [];
    // A resume can come before the loop reached its waiting point; the message then waits for it.
    if (waiters.length === 0) this.#unclaimedMessage = message;
    for (const wake of waiters) wake(message);
  }

  takeUnclaimedMessage(): string | null {
    const message = this.#unclaimedMessage;
    this.#unclaimedMessage = null;
    return message;
  }

  /** Resolves with the human's message on resume; rejects if the run is stopped meanwhile. */
  waitForResume(): Promise<string | null> {
    const signal = this.#abort.signal;
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      this.#resumeWaiters.push((message) => {
        signal.removeEventListener('abort', onAbort);
        resolve(message);
      });
    });
  }
}

/** The reason a loop's signal carries when its run was ended from outside (cancel, deadline). */
export class RunStoppedError extends Error {
  override readonly name = 'RunStoppedError';
}
