import type { Logger } from 'pino';
import { RunError } from '../errors.ts';
import { sleep } from '../sleep.ts';
import type { AgentTurn } from './vision-model.ts';

export type RetryNote = AgentTurn['retries'][number];

/** How a failed call is judged: whether to try again, and what the provider said. */
export interface Failure {
  retryable: boolean;
  status: number | null;
  message: string;
  /** The wait the provider asked for (`retry-after-ms` / `retry-after`), if it named one. */
  retryAfterMs: number | null;
}

export interface RetryPolicy {
  /** Retries after the first attempt; the call is made at most `maxRetries + 1` times. */
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A retry is not started unless this much time is left before the run's deadline. */
  deadlineMarginMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  maxRetries: 4,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  deadlineMarginMs: 2_000,
};

export interface RetryOptions {
  policy: RetryPolicy;
  signal: AbortSignal;
  deadlineAt: Date;
  log: Logger;
  /** The provider's name for messages, such as `Anthropic`. */
  provider: string;
  classify(error: unknown): Failure;
}

/** What every model call takes: how to stop it, how long it may run, and where retries go. */
export interface ModelCallOptions {
  signal: AbortSignal;
  deadlineAt: Date;
  policy: RetryPolicy;
  log: Logger;
  /** Filled with every retried failure. */
  retries: RetryNote[];
  /** Called before each HTTP attempt, so calls are counted even when they fail. */
  onAttempt(): void;
}

/** The longest a single attempt may take; the run's deadline shortens it further. */
const maxAttemptMs = 10 * 60_000;

/**
 * One model call with the provider's retries: counts each attempt, gives each the time left
 * before the deadline, and retries as `withRetries` does.
 */
export function callWithRetries<T>(
  attempt: (timeoutMs: number) => Promise<T>,
  options: ModelCallOptions,
  provider: string,
  classify: (error: unknown) => Failure,
): Promise<T> {
  const timed = () => {
    options.onAttempt();
    const timeLeft = options.deadlineAt.getTime() - Date.now();
    return attempt(Math.max(1_000, Math.min(maxAttemptMs, timeLeft)));
  };
  const { signal, deadlineAt, policy, log } = options;
  return withRetries(
    timed,
    { policy, signal, deadlineAt, log, provider, classify },
    options.retries,
  );
}

/**
 * Calls `attempt` until it succeeds, the error is not worth retrying, the retries are used up, or
 * the run's deadline is too near to wait. Every retried failure is noted, so the step shows what
 * the provider did; the final failure becomes a `model_error` carrying the provider's message.
 * An abort (the run was cancelled) is passed through untouched.
 */
export async function withRetries<T>(
  attempt: (retryCount: number) => Promise<T>,
  options: RetryOptions,
  retries: RetryNote[],
): Promise<T> {
  for (let count = 0; ; count += 1) {
    try {
      return await attempt(count);
    } catch (error) {
      if (options.signal.aborted) throw options.signal.reason ?? error;
      const failure = options.classify(error);
      const delayMs = nextDelay(failure, count, options);
      if (delayMs === null) throw finalError(failure, count, options, error);

      retries.push({ status: failure.status, message: failure.message, delayMs });
      options.log.warn(
        { provider: options.provider, status: failure.status, attempt: count + 1, delayMs },
        'model call failed, retrying',
      );
      await sleep(delayMs, options.signal);
    }
  }
}

/** The wait before the next attempt, or null when there must be none. */
function nextDelay(failure: Failure, count: number, options: RetryOptions): number | null {
  const { policy } = options;
  if (!failure.retryable || count >= policy.maxRetries) return null;

  const backoff = Math.min(policy.baseDelayMs * 2 ** count, policy.maxDelayMs);
  // Jitter spreads the retries of many runs that failed at the same moment.
  const delay = failure.retryAfterMs ?? Math.round(backoff * (1 - Math.random() * 0.25));
  const timeLeft = options.deadlineAt.getTime() - Date.now() - policy.deadlineMarginMs;
  return delay < timeLeft ? delay : null;
}

function finalError(
  failure: Failure,
  count: number,
  options: RetryOptions,
  cause: unknown,
): RunError {
  const status = failure.status === null ? '' : ` (HTTP ${failure.status})`;
  const tries = count + 1;
  let why = '';
  if (failure.retryable && count < options.policy.maxRetries) {
    why = ', with no time left before the run deadline to try again';
  } else if (failure.retryable) {
    why = ` after ${tries} attempts`;
  }
  // The provider's own error stays as the cause, so an adapter can still tell what it was.
  return new RunError(
    'model_error',
    `${options.provider} failed${status}${why}: ${failure.message}`,
    {
      cause,
    },
  );
}

/**
 * Reads the provider's requested wait: `retry-after-ms` first (milliseconds), then `retry-after`
 * as seconds or an HTTP date. Values that are not positive or absurdly large are ignored.
 */
export function retryAfterMs(headers: Headers | undefined | null): number | null {
  if (!headers) return null;
  const ms = Number.parseFloat(headers.get('retry-after-ms') ?? '');
  if (ms > 0 && ms < 2 ** 31) return Math.round(ms);

  const after = headers.get('retry-after');
  if (!after) return null;
  const seconds = Number.parseFloat(after);
  const fromDate = Date.parse(after) - Date.now();
  const wait = Number.isNaN(seconds) ? fromDate : seconds * 1000;
  return wait > 0 && wait < 2 ** 31 ? Math.round(wait) : null;
}

/** Statuses worth another try: timeouts, conflicts, rate limits and every server error. */
export function retryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}
