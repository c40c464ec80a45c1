/**
 * One timer per unfinished run, firing at its `deadline_at`. Node timers cannot wait longer than
 * about 24.8 days; deadlines are at most a day, so one timer each is enough.
 */
export class DeadlineTimers {
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #onExpired: (runId: string) => void;

  constructor(onExpired: (runId: string) => void) {
    this.#onExpired = onExpired;
  }

  arm(runId: string, deadlineAt: string): void {
    this.disarm(runId);
    const delay = Math.max(0, Date.parse(deadlineAt) - Date.now());
    const timer = setTimeout(() => {
      this.#timers.delete(runId);
      this.#onExpired(runId);
    }, delay);
    timer.unref();
    this.#timers.set(runId, timer);
  }

  disarm(runId: string): void {
    clearTimeout(this.#timers.get(runId));
    this.#timers.delete(runId);
  }

  clear(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }
}
