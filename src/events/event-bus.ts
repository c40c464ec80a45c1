import type { RunEvent } from './event.ts';

type Listener = (event: RunEvent) => void;

/**
 * Tells whoever follows a run that new events are stored. It carries no ordering promise of its
 * own: followers read the events from the store, after their last sequence number, so a follower
 * can neither miss nor repeat one. A per-run version number lets a follower check whether anything
 * was published between its read and its wait.
 */
export class EventBus {
  readonly #versions = new Map<string, number>();
  readonly #waiters = new Map<string, Set<() => void>>();
  readonly #listeners = new Set<Listener>();

  publish(events: RunEvent[]): void {
    for (const event of events) {
      this.#versions.set(event.run_id, (this.#versions.get(event.run_id) ?? 0) + 1);
      for (const listener of this.#listeners) listener(event);
    }
    const runIds = new Set(events.map((event) => event.run_id));
    for (const runId of runIds) this.#wake(runId);
  }

  version(runId: string): number {
    return this.#versions.get(runId) ?? 0;
  }

  /**
   * Resolves when the run's version moves past `seenVersion`, after `timeoutMs`, or when `signal`
   * aborts; whichever comes first. Resolves at once if the version has already moved.
   */
  waitForChange(
    runId: string,
    seenVersion: number,
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<'changed' | 'timeout' | 'aborted'> {
    if (this.version(runId) !== seenVersion) return Promise.resolve('changed');
    if (signal.aborted) return Promise.resolve('aborted');

    return new Promise((resolve) => {
      const waiters = this.#waiters.get(runId) ?? new Set();
      this.#waiters.set(runId, waiters);

      const finish = (outcome: 'changed' | 'timeout' | 'aborted') => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        waiters.delete(onChange);
        if (waiters.size === 0) this.#waiters.delete(runId);
        resolve(outcome);
      };
      const onChange = () => finish('changed');
      const onAbort = () => finish('aborted');
      const timer = setTimeout(() => finish('timeout'), timeoutMs);

      waiters.add(onChange);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Every event of every run, as it is published. Returns the function that unsubscribes. */
  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** How many `subscribe` listeners are attached, so tests can see that a follower let go. */
  get listenerCount(): number {
    return this.#listeners.size;
  }

  #wake(runId: string): void {
    const waiters = this.#waiters.get(runId);
    if (!waiters) return;
    for (const wake of [...waiters]) wake();
  }
}
