import type { RunEvent } from '../../events/event.ts';
import type { Run } from '../../runs/run.ts';
import type { ApiClient } from '../client/api-client.ts';
import { followEvents, type FollowOptions } from '../client/event-stream.ts';
import { LiveLine } from '../output/live-line.ts';
import { style } from '../output/style.ts';
import { askToCancel } from './ask-to-cancel.ts';
import { RunRenderer, type Printer } from './run-renderer.ts';

export interface FollowRunOptions {
  /**
   * `text`: the human view; `ndjson`: each event as a line of JSON, as the API sent it; `none`:
   * nothing, for callers that print only the outcome.
   */
  events: 'text' | 'ndjson' | 'none';
  /** Passed on to the event stream; tests shorten them. */
  idleTimeoutMs?: number;
  giveUpAfterMs?: number;
}

export interface FollowOutcome {
  /** The run as it ended, or null when the user stopped following first. */
  run: Run | null;
}

/**
 * Follows a run to its end, printing as it goes, across dropped connections. Ctrl+C asks whether
 * to cancel the run; a second one stops following and leaves the run going.
 */
export async function followRun(
  client: ApiClient,
  runId: string,
  options: FollowRunOptions,
): Promise<FollowOutcome> {
  const live = new LiveLine();
  // The renderer also keeps track of the run, which the JSON modes need too: they get a mute one.
  const printer = options.events === 'text' ? live : silent;
  const renderer = new RunRenderer(printer, (id) => viewerUrl(client, id));
  const stop = new AbortController();
  const ticker = options.events === 'text' ? setInterval(() => renderer.tick(), 1000) : null;
  const interrupts = new InterruptHandler(client, runId, stop, live);
  process.on('SIGINT', interrupts.onSignal);

  try {
    const stream = followEvents(client, runId, streamOptions(options, live, stop.signal));
    for await (const event of stream) {
      await interrupts.settled();
      show(event, renderer, options);
    }
    return { run: renderer.run };
  } catch (error) {
    if (stop.signal.aborted) return { run: null };
    throw error;
  } finally {
    if (ticker) clearInterval(ticker);
    process.off('SIGINT', interrupts.onSignal);
    live.done();
  }
}

function streamOptions(
  options: FollowRunOptions,
  live: LiveLine,
  signal: AbortSignal,
): FollowOptions {
  return {
    signal,
    ...(options.idleTimeoutMs ? { idleTimeoutMs: options.idleTimeoutMs } : {}),
    ...(options.giveUpAfterMs ? { giveUpAfterMs: options.giveUpAfterMs } : {}),
    onReconnect: ({ attempt, after, reason }) => {
      // Said once per outage, not on every retry of it.
      if (attempt > 1) return;
      note(
        options,
        live,
        `the event stream dropped (${reason}); reconnecting after event ${after}`,
      );
    },
  };
}

function show(event: RunEvent, renderer: RunRenderer, options: FollowRunOptions): void {
  if (options.events === 'ndjson') process.stdout.write(`${JSON.stringify(event)}\n`);
  renderer.render(event);
}

const silent: Printer = { line: () => undefined, status: () => undefined };

function note(options: FollowRunOptions, live: LiveLine, text: string): void {
  if (options.events === 'text') live.line(style.yellow(text));
  else process.stderr.write(`${text}\n`);
}

/** The viewer's page for a run, on the daemon the client talks to. */
export function viewerUrl(client: ApiClient, runId: string): string {
  return `${client.baseUrl}/runs/${runId}`;
}

/** Ctrl+C while following: ask, then cancel the run, keep going, or stop following. */
class InterruptHandler {
  readonly #client: ApiClient;
  readonly #runId: string;
  readonly #stop: AbortController;
  readonly #live: LiveLine;
  #asking: Promise<void> | null = null;

  constructor(client: ApiClient, runId: string, stop: AbortController, live: LiveLine) {
    this.#client = client;
    this.#runId = runId;
    this.#stop = stop;
    this.#live = live;
  }

  readonly onSignal = (): void => {
    if (this.#asking) return this.#detach();
    this.#asking = this.#ask().finally(() => {
      this.#asking = null;
    });
  };

  /** Resolves once no question is open, so events are not printed over the prompt. */
  async settled(): Promise<void> {
    await this.#asking;
  }

  async #ask(): Promise<void> {
    this.#live.done();
    const answer = await askToCancel(this.#runId);
    if (answer === 'detach') return this.#detach();
    if (answer === 'continue') return;

    try {
      await this.#client.post(`/v1/runs/${encodeURIComponent(this.#runId)}/cancel`);
      this.#live.line(style.yellow('cancelling…'));
    } catch (error) {
      this.#live.line(style.red(`could not cancel: ${(error as Error).message}`));
    }
  }

  #detach(): void {
    this.#live.done();
    process.stderr.write(
      `stopped following ${this.#runId}; it goes on.\n` +
        `  follow it again: deskpilot runs watch ${this.#runId}\n` +
        `  stop it:         deskpilot runs cancel ${this.#runId}\n`,
    );
    this.#stop.abort();
  }
}
