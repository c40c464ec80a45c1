import { createParser } from 'eventsource-parser';
import { isTerminalEvent, type RunEvent } from '../../events/event.ts';
import { sleep } from '../../sleep.ts';
import { ApiError, DaemonUnreachableError, errorFrom, type ApiClient } from './api-client.ts';

export interface FollowOptions {
  /** Start after this event sequence number; 0 replays the run from its first event. */
  after?: number;
  signal?: AbortSignal;
  /**
   * A stream that sends nothing, not even the daemon's `: ping`, for this long is taken as dead
   * and reopened. The daemon pings every 15 s.
   * @default 45_000
   */
  idleTimeoutMs?: number;
  /**
   * How long to keep trying while no connection succeeds, before giving up.
   * @default 60_000
   */
  giveUpAfterMs?: number;
  /** Told before each reconnect, so a UI can say that the stream dropped. */
  onReconnect?: (info: { after: number; attempt: number; reason: string }) => void;
}

const backoffMs = [250, 500, 1000, 2000, 5000];

/**
 * The events of a run, from `after` to the terminal event, across dropped connections: each
 * reconnect sends `Last-Event-ID` with the last sequence number seen, so the daemon resumes with
 * the next event and nothing is missed or repeated.
 */
export async function* followEvents(
  client: ApiClient,
  runId: string,
  options: FollowOptions = {},
): AsyncGenerator<RunEvent> {
  const idleTimeoutMs = options.idleTimeoutMs ?? 45_000;
  const giveUpAfterMs = options.giveUpAfterMs ?? 60_000;
  let cursor = options.after ?? 0;
  let attempt = 0;
  let lastContact = Date.now();

  for (;;) {
    let reason: string;
    try {
      for await (const event of streamOnce(client, runId, cursor, idleTimeoutMs, options.signal)) {
        attempt = 0;
        lastContact = Date.now();
        if (event === 'contact') continue;
        cursor = event.seq;
        yield event;
        if (isTerminalEvent(event)) return;
      }
      reason = 'the stream ended before the run did';
    } catch (error) {
      if (options.signal?.aborted) throw error;
      if (!isRetryable(error)) throw error;
      reason = (error as Error).message;
    }

    if (Date.now() - lastContact > giveUpAfterMs) {
      throw new DaemonUnreachableError(
        `lost the daemon at ${client.baseUrl} for more than ${giveUpAfterMs / 1000} s (${reason})`,
      );
    }
    attempt += 1;
    options.onReconnect?.({ after: cursor, attempt, reason });
    await sleep(backoffMs[Math.min(attempt, backoffMs.length) - 1] ?? 5000, options.signal);
  }
}

/**
 * One connection: yields each event the daemon sends, and `'contact'` whenever it hears from the
 * daemon at all (the answer's headers, a ping). Ends when the connection does; any silence longer
 * than `idleTimeoutMs` aborts it.
 */
async function* streamOnce(
  client: ApiClient,
  runId: string,
  after: number,
  idleTimeoutMs: number,
  signal: AbortSignal | undefined,
): AsyncGenerator<RunEvent | 'contact'> {
  const connection = new AbortController();
  const abortConnection = () => connection.abort();
  signal?.addEventListener('abort', abortConnection, { once: true });
  let idle = setTimeout(abortConnection, idleTimeoutMs);
  const keepAlive = () => {
    clearTimeout(idle);
    idle = setTimeout(abortConnection, idleTimeoutMs);
  };

  try {
    const response = await client.fetch('GET', `/v1/runs/${encodeURIComponent(runId)}/events`, {
      headers: { accept: 'text/event-stream', 'last-event-id': String(after) },
      signal: connection.signal,
    });
    if (!response.ok || !response.body) throw errorFrom(response.status, await response.text());
    yield 'contact';

    const pending: RunEvent[] = [];
    const parser = createParser({
      onEvent: (message) => pending.push(JSON.parse(message.data) as RunEvent),
    });
    const decoder = new TextDecoder();
    for await (const chunk of response.body) {
      keepAlive();
      parser.feed(decoder.decode(chunk, { stream: true }));
      yield 'contact';
      yield* pending.splice(0);
    }
  } catch (error) {
    if (connection.signal.aborted && !signal?.aborted) {
      throw new DaemonUnreachableError(`no data from the daemon for ${idleTimeoutMs} ms`);
    }
    throw error;
  } finally {
    clearTimeout(idle);
    signal?.removeEventListener('abort', abortConnection);
    connection.abort();
  }
}

/** Network trouble and daemon-side failures are worth another try; a refused request is not. */
function isRetryable(error: unknown): boolean {
  if (error instanceof ApiError) return error.status >= 500;
  if (error instanceof DaemonUnreachableError) return true;
  // A connection that breaks mid-body surfaces as a plain TypeError ("terminated") from undici.
  return error instanceof TypeError || (error as { code?: string }).code === 'ECONNRESET';
}
