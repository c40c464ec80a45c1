import type { Usage } from '../runs/run.ts';

/** USD per million tokens. Cache writes are the 5-minute kind, the only one the daemon asks for. */
export interface Rates {
  input: number;
  output: number;
  cacheWrite: number;
  cacheRead: number;
}

export interface Price extends Rates {
  /** Some models charge every token of a request more once its prompt passes a size. */
  longPrompt?: { overTokens: number; rates: Rates };
}

/** Cache writes cost 1.25 times the input rate on every Claude model priced so far. */
function rates(input: number, output: number, cacheRead: number): Rates {
  return { input, output, cacheWrite: input * 1.25, cacheRead };
}

/**
 * Claude prices by model id prefix, longest prefix first, so a dated id such as
 * `claude-sonnet-4-5-20250929` finds its model and `claude-sonnet-5` never matches Sonnet 5.5.
 * Source: platform.claude.com model overview and pricing pages, checked 2026-12-03 (Sonnet 5.5
 * cache reads cut to $0.10 on 2026-10-07; Haiku 5.5 has a higher band over 100k prompt tokens).
 * This table is the one place prices live; change it here when Anthropic changes them.
 */
const CLAUDE_PRICES: [prefix: string, price: Price][] = [
  ['claude-fable-5-2', rates(8, 40, 0.2)],
  ['claude-mythos-5-2', rates(8, 40, 0.2)],
  ['claude-fable-5-1', rates(10, 50, 0.25)],
  ['claude-mythos-5-1', rates(10, 50, 0.25)],
  ['claude-fable-5', rates(10, 50, 1)],
  ['claude-mythos-5', rates(10, 50, 1)],
  ['claude-opus-5-5', rates(4, 20, 0.2)],
  ['claude-opus-5', rates(5, 25, 0.5)],
  ['claude-opus-4-8', rates(5, 25, 0.5)],
  ['claude-opus-4-7', rates(5, 25, 0.5)],
  ['claude-opus-4-6', rates(5, 25, 0.5)],
  ['claude-opus-4-5', rates(5, 25, 0.5)],
  ['claude-opus-4-1', rates(15, 75, 1.5)],
  ['claude-opus-4', rates(15, 75, 1.5)],
  ['claude-sonnet-5-5', rates(2, 10, 0.1)],
  ['claude-sonnet-5', rates(2, 10, 0.2)],
  ['claude-sonnet-4', rates(3, 15, 0.3)],
  ['claude-3-7-sonnet', rates(3, 15, 0.3)],
  [
    'claude-haiku-5-5',
    { ...rates(0.1, 0.5, 0.01), longPrompt: { overTokens: 100_000, rates: rates(0.5, 2.5, 0.05) } },
  ],
  ['claude-haiku-4-5', rates(1, 5, 0.1)],
];

/**
 * What an unknown Claude model is charged at: the dearest known rates, so that a budget is never
 * spent faster than the daemon believes. The run's log says when this happens.
 */
export const UNKNOWN_CLAUDE_PRICE: Price = rates(15, 75, 1.5);

/** Models served by the user's own machine cost nothing per token. */
export const FREE: Price = rates(0, 0, 0);

export function claudePrice(model: string): Price | null {
  let best: [string, Price] | null = null;
  for (const entry of CLAUDE_PRICES) {
    const [prefix] = entry;
    const matches = model === prefix || model.startsWith(`${prefix}-`);
    if (matches && (!best || prefix.length > best[0].length)) best = entry;
  }
  return best ? best[1] : null;
}

/** The cost in USD of one call's usage, rounded to a millionth of a dollar. */
export function costUsd(price: Price, usage: Usage): number {
  const prompt =
    usage.input_tokens + usage.cache_read_input_tokens + usage.cache_creation_input_tokens;
  const band =
    price.longPrompt && prompt > price.longPrompt.overTokens ? price.longPrompt.rates : price;
  const dollars =
    (usage.input_tokens * band.input +
      usage.output_tokens * band.output +
      usage.cache_creation_input_tokens * band.cacheWrite +
      usage.cache_read_input_tokens * band.cacheRead) /
    1_000_000;
  return Math.round(dollars * 1e6) / 1e6;
}
