import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { REPO_ROOT } from './daemon.ts';

/** One thing a test page saw and posted back (`type` plus whatever the page recorded). */
export interface PageEvent {
  type: string;
  [field: string]: unknown;
}

/**
 * Serves `fixtures/pages/` on 127.0.0.1 and keeps what the pages POST to `/events`, so a test can
 * check what a browser on a virtual display received. Only the pages folder is served.
 */
export class PageServer {
  readonly url: string;
  readonly events: PageEvent[];
  readonly #server: Server;

  private constructor(server: Server, url: string, events: PageEvent[]) {
    this.#server = server;
    this.url = url;
    this.events = events;
  }

  static async start(): Promise<PageServer> {
    const events: PageEvent[] = [];
    const server = createServer((request, response) => {
      void handle(request.method ?? 'GET', request.url ?? '/', request, events).then(
        ({ status, type, body }) => {
          response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
          response.end(body);
        },
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    return new PageServer(server, `http://127.0.0.1:${address.port}`, events);
  }

  /** The page's address, e.g. `pageUrl('input-recorder.html')`. */
  pageUrl(name: string): string {
    return `${this.url}/${name}`;
  }

  /** Waits for an event the predicate accepts, looking at those already received too. */
  async waitFor(
    predicate: (event: PageEvent) => boolean,
    timeoutMs: number,
    what: string,
  ): Promise<PageEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(predicate);
      if (found) return found;
      if (Date.now() > deadline) {
        throw new Error(
          `no page event for ${what} after ${timeoutMs} ms; got ${JSON.stringify(this.events)}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

async function handle(
  method: string,
  url: string,
  request: AsyncIterable<Buffer>,
  events: PageEvent[],
): Promise<{ status: number; type: string; body: string | Buffer }> {
  if (method === 'POST' && url === '/events') {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk);
    events.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as PageEvent);
    return { status: 204, type: 'text/plain', body: '' };
  }
  const name = /^\/([a-z0-9-]+\.html)$/.exec(url)?.[1];
  if (method !== 'GET' || !name) return { status: 404, type: 'text/plain', body: 'not found' };
  try {
    const body = await readFile(join(REPO_ROOT, 'fixtures', 'pages', name));
    return { status: 200, type: 'text/html; charset=utf-8', body };
  } catch {
    return { status: 404, type: 'text/plain', body: 'not found' };
  }
}
