import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiClient, ApiError, DaemonUnreachableError } from './api-client.ts';
import { followEvents } from './event-stream.ts';

// The follower against a small SSE server that misbehaves on purpose.

type Handler = (request: IncomingMessage, response: ServerResponse, attempt: number) => void;

let server: Server | null = null;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(null));
  server = null;
});

async function serve(handler: Handler): Promise<{ client: ApiClient; lastEventIds: string[] }> {
  const lastEventIds: string[] = [];
  server = createServer((request, response) => {
    lastEventIds.push(String(request.headers['last-event-id']));
    handler(request, response, lastEventIds.length);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    client: new ApiClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: 'k' }),
    lastEventIds,
  };
}

function event(seq: number, type = 'step.started'): string {
  const body = { seq, type, run_id: 'run_1', created_at: new Date(0).toISOString(), data: {} };
  return `id: ${seq}\nevent: ${type}\ndata: ${JSON.stringify(body)}\n\n`;
}

function openStream(response: ServerResponse): void {
  response.writeHead(200, { 'content-type': 'text/event-stream' });
}

async function collect(iterable: AsyncIterable<{ seq: number }>): Promise<number[]> {
  const seen: number[] = [];
  for await (const item of iterable) seen.push(item.seq);
  return seen;
}

describe("following a run's events", () => {
  it('reconnects after a dropped connection from the last event it saw', async () => {
    const { client, lastEventIds } = await serve((request, response, attempt) => {
      openStream(response);
      if (attempt === 1) {
        response.write(event(1) + event(2));
        setTimeout(() => response.destroy(), 20);
      } else {
        response.end(event(3) + event(4, 'run.succeeded'));
      }
    });

    const seen = await collect(followEvents(client, 'run_1'));

    expect(seen).toEqual([1, 2, 3, 4]);
    expect(lastEventIds).toEqual(['0', '2']);
  });

  it('reopens a stream that stays silent for longer than the idle timeout', async () => {
    const { client, lastEventIds } = await serve((request, response, attempt) => {
      openStream(response);
      if (attempt === 1) response.write(event(1));
      else response.end(event(2, 'run.failed'));
    });

    const seen = await collect(followEvents(client, 'run_1', { idleTimeoutMs: 200 }));

    expect(seen).toEqual([1, 2]);
    expect(lastEventIds).toEqual(['0', '1']);
  });

  it('stops at once when the daemon refuses the request', async () => {
    const { client, lastEventIds } = await serve((request, response) => {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          error: { type: 'not_found_error', code: 'run_not_found', message: 'no run' },
        }),
      );
    });

    await expect(collect(followEvents(client, 'run_1'))).rejects.toBeInstanceOf(ApiError);
    expect(lastEventIds).toHaveLength(1);
  });

  it('gives up when the daemon stays away', async () => {
    const client = new ApiClient({ baseUrl: 'http://127.0.0.1:9', apiKey: 'k' });

    const following = collect(followEvents(client, 'run_1', { giveUpAfterMs: 300 }));

    await expect(following).rejects.toBeInstanceOf(DaemonUnreachableError);
  });
});
