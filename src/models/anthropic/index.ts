import type { Logger } from 'pino';
import { InvalidRequestError } from '../../errors.ts';
import type { ModelProvider } from '../model-registry.ts';
import { claudePrice, UNKNOWN_CLAUDE_PRICE } from '../pricing.ts';
import { defaultRetryPolicy, type RetryPolicy } from '../retry.ts';
import { createClient } from './anthropic-client.ts';
import { AnthropicModel } from './anthropic-model.ts';
import type { ScreenshotHistory } from './conversation.ts';
import { toolsFor } from './tool-versions.ts';

export { AnthropicModel } from './anthropic-model.ts';
export { toolsFor, claudeFrameSize, computerTool, betaHeaderFor } from './tool-versions.ts';
export type { ToolVersion } from './tool-versions.ts';

export interface AnthropicProviderOptions {
  /** ANTHROPIC_API_KEY; without it `anthropic:` models are refused when a run names them. */
  apiKey: string | null;
  /** ANTHROPIC_BASE_URL, or null for the SDK's default. */
  baseURL: string | null;
  history: ScreenshotHistory;
  log: Logger;
  retryPolicy?: RetryPolicy;
  /** Output tokens per answer; thinking counts against it on models that think. */
  maxTokens?: number;
}

const DEFAULT_MAX_TOKENS = 8_192;

/** `anthropic:<model id>`: Claude through its computer-use tool, via @anthropic-ai/sdk. */
export function anthropicProvider(options: AnthropicProviderOptions): ModelProvider {
  const client = options.apiKey
    ? createClient({ apiKey: options.apiKey, baseURL: options.baseURL, log: options.log })
    : null;

  return {
    name: 'anthropic',
    create(model) {
      if (!client) {
        throw new InvalidRequestError(
          'invalid_field',
          `anthropic:${model} needs an Anthropic API key: ` +
            'start the daemon with ANTHROPIC_API_KEY set',
          { param: 'model' },
        );
      }
      const price = claudePrice(model);
      if (!price) {
        options.log.warn({ model }, 'no price for this model, charging the dearest rates');
      }
      return new AnthropicModel({
        client,
        model,
        tools: toolsFor(model),
        price: price ?? UNKNOWN_CLAUDE_PRICE,
        history: options.history,
        retryPolicy: options.retryPolicy ?? defaultRetryPolicy,
        maxTokens: options.maxTokens ?? DEFAULT_MAX_TOKENS,
      });
    },
  };
}
