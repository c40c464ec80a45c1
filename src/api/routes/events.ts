import type { Context } from 'hono';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import { InvalidRequestError } from '../../errors.ts';
import { isTerminalEvent } from '../../events/event.ts';
import type { EventBus } from '../../events/event-bus.ts';
import { isTerminal } from '../../runs/run.ts';
import type { RunService } from '../../runs/run-service.ts';
import { eventsQuery } from '../../runs/run-input.ts';
import type { RunStore } from '../../store/run-store.ts';
import { parseQuery } from '../validation.ts';

export interface EventStreamOptions {
  /** Idle time after which a `: ping` comment keeps the connection open. */
  pingMs: number;
}

const replayBatch = 500;

/**
 * `GET /v1/runs/{id}/events`: Server-Sent Events from a sequence number on, or a page of events as
 * JSON for polling clients.
 */
export function eventsHandler(
  deps: { runs: RunService; store: RunStore; bus: EventBus },
  options: EventStreamOptions,
) {
  return async function runEvents(c: Context) {
    const runId = c.req.param('id') ?? '';
    await deps.runs.get(runId);
    const query = parseQuery(c, eventsQuery);
    const after = startAfter(c.req.header('last-event-id'), query.after);

    if (wantsJson(c.req.header('accept'))) {
      const events = await deps.store.eventsAfter(runId, after, query.limit + 1);
      return c.json({
        object: 'list',
        data: events.slice(0, query.limit),
        has_more: events.length > query.limit,
      });
    }

    c.header('cache-control', 'no-cache');
    c.header('x-accel-buffering', 'no');
    return streamSSE(c, (stream) => follow(stream, runId, after, deps, options));
  };
}

/**
 * Sends stored events after `cursor`, then waits for more. It reads from the store every time,
 * so events that arrive while it replays are simply the next ones read: no gap and no repeat.
 */
async function follow(
  stream: SSEStreamingApi,
  runId: string,
  cursor: number,
  deps: { runs: RunService; store: RunStore; bus: EventBus },
  options: EventStreamOptions,
): Promise<void> {
  const closed = new AbortController();
  stream.onAbort(() => closed.abort());

  while (!closed.signal.aborted) {
    const version = deps.bus.version(runId);
    // Read before the events: a run that had ended by now had stored its terminal event too (one
    // transaction), so the read below holds it unless the client has it already.
    const ended = isTerminal((await deps.runs.get(runId)).state);
    const events = await deps.store.eventsAfter(runId, cursor, replayBatch);
    for (const event of events) {
      await stream.writeSSE({
        id: String(event.seq),
        event: event.type,
        data: JSON.stringify(event),
      });
      cursor = event.seq;
      if (isTerminalEvent(event)) return;
    }
    if (events.length === replayBatch) continue;
    // A client that already has the terminal event gets nothing more, and the stream ends.
    if (ended) return;

    const outcome = await deps.bus.waitForChange(runId, version, options.pingMs, closed.signal);
    if (outcome === 'timeout') await stream.write(': ping\n\n');
  }
}

function startAfter(lastEventId: string | undefined, after: number | undefined): number {
  if (lastEventId === undefined || lastEventId.trim() === '') return after ?? 0;
  const seq = Number(lastEventId);
  if (!Number.isInteger(seq) || seq < 0) {
    throw new InvalidRequestError(
      'invalid_field',
      'Last-Event-ID must be an event sequence number',
      {
        param: 'Last-Event-ID',
      },
    );
  }
  return seq;
}

function wantsJson(accept: string | undefined): boolean {
  return (
    accept !== undefined &&
    accept.includes('application/json') &&
    !accept.includes('text/event-stream')
  );
}
