import type { Usage } from '../runs/run.ts';
import { costUsd, type Price } from './pricing.ts';
import type { RetryNote } from './retry.ts';
import { zeroUsage } from './vision-model.ts';

/**
 * What one model turn (or one verdict) cost: tokens, dollars, HTTP calls and retried failures.
 * A turn may take several calls, such as a retry after a refusal, and all of them count.
 */
export class Spend {
  readonly usage: Usage = zeroUsage();
  readonly retries: RetryNote[] = [];
  costUsd = 0;
  calls = 0;

  /** Adds one call's usage, priced on its own: a long-prompt band applies per request. */
  add(usage: Usage, price: Price): void {
    this.usage.input_tokens += usage.input_tokens;
    this.usage.output_tokens += usage.output_tokens;
    this.usage.cache_read_input_tokens += usage.cache_read_input_tokens;
    this.usage.cache_creation_input_tokens += usage.cache_creation_input_tokens;
    this.costUsd = Math.round((this.costUsd + costUsd(price, usage)) * 1e6) / 1e6;
  }
}
