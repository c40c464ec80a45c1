import type { Logger } from 'pino';
import { errorMessage } from '../errors.ts';
import type { EventBus } from '../events/event-bus.ts';
import { isTerminalEvent } from '../events/event.ts';
import type { RunStore, WebhookDelivery } from '../store/run-store.ts';
import { signWebhook } from './signature.ts';

export interface WebhookSenderOptions {
  secret: string;
  /** Delay before each retry; the last one repeats until `giveUpAfterMs` has passed. */
  retryDelaysMs?: number[];
  /** How long after the first attempt a delivery is still retried. */
  giveUpAfterMs?: number;
  timeoutMs?: number;
}

// From seconds to tens of minutes, so a receiver that is down for an hour still gets the event.
const defaultRetryDelaysMs = [5_000, 30_000, 120_000, 300_000, 600_000, 1_200_000, 1_800_000];
const defaultGiveUpAfterMs = 3 * 60 * 60 * 1000;

/**
 * Delivers the terminal event of each run to its `webhook_url`. Deliveries live in the store,
 * written with the terminal event itself, so a restart resumes whatever was pending.
 */
export class WebhookSender {
  readonly #store: RunStore;
  readonly #log: Logger;
  readonly #secret: string;
  readonly #retryDelaysMs: number[];
  readonly #giveUpAfterMs: number;
  readonly #timeoutMs: number;
  #timer: NodeJS.Timeout | null = null;
  #unsubscribe: (() => void) | null = null;
  #inFlight = new Set<string>();
  #draining: Promise<void> | null = null;

  constructor(store: RunStore, bus: EventBus, log: Logger, options: WebhookSenderOptions) {
    this.#store = store;
    this.#log = log;
    this.#secret = options.secret;
    this.#retryDelaysMs = options.retryDelaysMs ?? defaultRetryDelaysMs;
    this.#giveUpAfterMs = options.giveUpAfterMs ?? defaultGiveUpAfterMs;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#unsubscribe = bus.subscribe((event) => {
      if (isTerminalEvent(event)) this.#schedule(0);
    });
  }

  start(): void {
    this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#unsubscribe?.();
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#draining;
  }

  #schedule(delayMs: number): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#draining = this.#drain().catch((error: unknown) =>
        this.#log.error({ err: error }, 'webhook delivery loop failed'),
      );
    }, delayMs);
    this.#timer.unref();
  }

  async #drain(): Promise<void> {
    const due = await this.#store.dueWebhookDeliveries(new Date(), 20);
    await Promise.all(
      due.filter((d) => !this.#inFlight.has(d.id)).map((delivery) => this.#deliver(delivery)),
    );

    const next = await this.#store.nextWebhookAttemptAt();
    if (next) this.#schedule(Math.max(0, next.getTime() - Date.now()));
  }

  async #deliver(delivery: WebhookDelivery): Promise<void> {
    this.#inFlight.add(delivery.id);
    try {
      const status = await this.#post(delivery);
      if (status >= 200 && status < 300) {
        await this.#store.recordWebhookAttempt(delivery.id, { delivered: true });
        this.#log.info(
          { runId: delivery.run_id, deliveryId: delivery.id, status },
          'webhook delivered',
        );
        return;
      }
      await this.#retryLater(delivery, `the receiver answered ${status}`);
    } catch (error) {
      await this.#retryLater(delivery, errorMessage(error));
    } finally {
      this.#inFlight.delete(delivery.id);
    }
  }

  async #post(delivery: WebhookDelivery): Promise<number> {
    const timestamp = Math.floor(Date.now() / 1000);
    const response = await fetch(delivery.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'deskpilot-webhooks',
        'deskpilot-signature': signWebhook(this.#secret, delivery.body, timestamp),
        'deskpilot-delivery': delivery.id,
      },
      body: delivery.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(this.#timeoutMs),
    });
    await response.body?.cancel();
    return response.status;
  }

  async #retryLater(delivery: WebhookDelivery, error: string): Promise<void> {
    const attempt = delivery.attempts + 1;
    const delay =
      this.#retryDelaysMs[Math.min(attempt - 1, this.#retryDelaysMs.length - 1)] ?? 60_000;
    const retryAt = new Date(Date.now() + delay);
    const giveUp = retryAt.getTime() - Date.parse(delivery.created_at) > this.#giveUpAfterMs;

    await this.#store.recordWebhookAttempt(delivery.id, {
      delivered: false,
      error,
      retryAt: giveUp ? null : retryAt,
    });
    this.#log.warn(
      { runId: delivery.run_id, deliveryId: delivery.id, attempt, error, giveUp },
      'webhook delivery failed',
    );
  }
}
