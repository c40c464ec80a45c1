import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What the FAKE model servers for tests share, so each fake holds only its own wire format: an
 * HTTP server on 127.0.0.1 and a random port that answers with the replies a test queues, keeps
 * every request it saw, and notes when a client hangs up on an answer in progress.
 */

/** The least a fake keeps of a request: whether the client hung up before the answer was done. */
export interface HangUpNoted {
  clientClosed: boolean;
}

export abstract class LoopbackFakeServer<Reply, Seen extends HangUpNoted> {
  readonly requests: Seen[] = [];
  /** Protocol mistakes found in requests; a test passes only when this stays empty. */
  readonly problems: string[] = [];
  readonly #queue: Reply[] = [];
  #server: Server | null = null;
  #url = '';
  #closeWaiters: (() => void)[] = [];

  get url(): string {
    return this.#url;
  }

  reply(...replies: Reply[]): this {
    this.#queue.push(...replies);
    return this;
  }

  /** Resolves when a client hangs up on an answer in progress. */
  clientClosed(): Promise<void> {
    if (this.requests.some((request) => request.clientClosed)) return Promise.resolve();
    return new Promise((resolve) => this.#closeWaiters.push(resolve));
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    // A stalled answer or an idle keep-alive socket would otherwise hold close() back.
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    this.#server = null;
  }

  /** Binds a free port; `path` ends `url`, for fakes whose clients take a base path. */
  protected async listen(path = ''): Promise<void> {
    this.#server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.#server.address() as AddressInfo;
    this.#url = `http://127.0.0.1:${port}${path}`;
  }

  protected abstract handle(req: IncomingMessage, res: ServerResponse): Promise<void>;

  /** Keeps `seen` and marks it, then wakes `clientClosed()`, if the client hangs up early. */
  protected track(seen: Seen, res: ServerResponse, onHangUp?: () => void): void {
    this.requests.push(seen);
    res.on('close', () => {
      if (res.writableFinished) return;
      seen.clientClosed = true;
      onHangUp?.();
      for (const wake of this.#closeWaiters.splice(0)) wake();
    });
  }

  /** The next reply the test queued, if any is left. */
  protected nextReply(): Reply | undefined {
    return this.#queue.shift();
  }
}

/** Waits `ms`, or less if the client hangs up first, as a slow server would. */
export function waitOrClose(res: ServerResponse, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    res.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
