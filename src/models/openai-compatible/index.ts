import { InvalidRequestError } from '../../errors.ts';
import type { ModelProvider } from '../model-registry.ts';
import { defaultRetryPolicy, type RetryPolicy } from '../retry.ts';
import { createChatClient } from './chat-client.ts';
import { formatFor, formatNames } from './formats.ts';
import { OpenModel } from './open-model.ts';

export { OpenModel } from './open-model.ts';
export { formatFor, smartResize, coordinateMapper } from './formats.ts';

export interface OpenAICompatibleOptions {
  /** OPENAI_BASE_URL, such as `http://127.0.0.1:11434/v1` for Ollama. */
  baseURL: string | null;
  /** OPENAI_API_KEY; local servers ignore it, so a placeholder is sent without one. */
  apiKey: string | null;
  keepImages: number;
  retryPolicy?: RetryPolicy;
  maxTokens?: number;
}

/**
 * `openai-compatible:<model>`: UI-TARS or Qwen-VL behind an OpenAI-compatible chat endpoint. The
 * format comes from the model's name, or from a `#ui-tars-1.5` / `#qwen3-vl` style suffix.
 */
export function openAICompatibleProvider(options: OpenAICompatibleOptions): ModelProvider {
  const client = options.baseURL
    ? createChatClient(options.baseURL, options.apiKey ?? 'not-needed')
    : null;

  return {
    name: 'openai-compatible',
    create(model) {
      if (!client) {
        throw new InvalidRequestError(
          'invalid_field',
          `openai-compatible:${model} needs an endpoint: ` +
            'start the daemon with OPENAI_BASE_URL set (e.g. http://127.0.0.1:11434/v1)',
          { param: 'model' },
        );
      }
      const found = formatFor(model);
      if (!found) {
        throw new InvalidRequestError(
          'invalid_field',
          `cannot tell the action format of "${model}": ` +
            `name a UI-TARS or Qwen-VL model, or add #format, one of ${formatNames.join(', ')}`,
          { param: 'model' },
        );
      }
      return new OpenModel({
        client,
        served: found.served,
        name: model,
        format: found.format,
        keepImages: Math.max(1, options.keepImages),
        retryPolicy: options.retryPolicy ?? defaultRetryPolicy,
        maxTokens: options.maxTokens ?? 1_024,
      });
    },
  };
}
