import Anthropic, { APIConnectionError, APIError, AnthropicError } from '@anthropic-ai/sdk';
import type { Logger } from 'pino';
import { errorMessage } from '../../errors.ts';
import type { Usage } from '../../runs/run.ts';
import {
  retryableStatus,
  retryAfterMs,
  callWithRetries,
  type Failure,
  type ModelCallOptions,
} from '../retry.ts';
import type { Block, WireMessage } from './wire.ts';

export interface ClientOptions {
  apiKey: string;
  /** Null keeps the SDK's default endpoint. */
  baseURL: string | null;
  log: Logger;
}

/**
 * The SDK client, with its own retries off: the adapter retries itself so every attempt is
 * counted, shown in the step record, and bounded by the run's deadline.
 */
export function createClient(options: ClientOptions): Anthropic {
  const { log } = options;
  return new Anthropic({
    apiKey: options.apiKey,
    ...(options.baseURL ? { baseURL: options.baseURL } : {}),
    maxRetries: 0,
    openTelemetry: false,
    // The SDK's own warnings (a deprecated model, say) go to the daemon's log, never the console.
    logger: {
      error: (message: string) => log.error({ sdk: 'anthropic' }, message),
      warn: (message: string) => log.warn({ sdk: 'anthropic' }, message),
      info: (message: string) => log.debug({ sdk: 'anthropic' }, message),
      debug: () => {},
    },
  });
}

export interface MessageRequest {
  model: string;
  max_tokens: number;
  system?: Block[];
  tools?: Record<string, unknown>[];
  messages: WireMessage[];
  output_config?: Record<string, unknown>;
  thinking?: Record<string, unknown>;
}

/** The parts of a response the adapter reads. */
export interface ModelMessage {
  content: Block[];
  stop_reason: string | null;
  stop_details?: unknown;
  usage: {
    input_tokens: number;
    output_tokens: number;
    cache_read_input_tokens?: number | null;
    cache_creation_input_tokens?: number | null;
  };
}

/** A response's usage with the cache counts the API may leave out set to zero. */
export function usageOf(message: ModelMessage): Usage {
  const usage = message.usage;
  return {
    input_tokens: usage.input_tokens ?? 0,
    output_tokens: usage.output_tokens ?? 0,
    cache_read_input_tokens: usage.cache_read_input_tokens ?? 0,
    cache_creation_input_tokens: usage.cache_creation_input_tokens ?? 0,
  };
}

export type CallOptions = ModelCallOptions;

type StreamParams = Parameters<Anthropic['messages']['stream']>[0];
type BetaStreamParams = Parameters<Anthropic['beta']['messages']['stream']>[0];

/**
 * One streamed Messages call, retried as the policy allows. Streaming keeps long answers inside
 * the SDK's limits and lets a cancelled run abort the HTTP request at once. With `betas`, the
 * call goes through the beta namespace, which sends them in the `anthropic-beta` header.
 */
export function sendMessage(
  client: Anthropic,
  request: MessageRequest,
  betas: string[],
  options: CallOptions,
): Promise<ModelMessage> {
  const attempt = async (timeout: number): Promise<ModelMessage> => {
    const requestOptions = { signal: options.signal, timeout };
    // The SDK's param types enumerate every block kind; the request is built from checked JSON.
    const stream =
      betas.length > 0
        ? client.beta.messages.stream(
            { ...request, betas } as unknown as BetaStreamParams,
            requestOptions,
          )
        : client.messages.stream(request as unknown as StreamParams, requestOptions);
    return (await stream.finalMessage()) as unknown as ModelMessage;
  };
  return callWithRetries(attempt, options, 'the Anthropic API', classifyAnthropicError);
}

/** Error types that arrive inside a 200 stream and are worth another try. */
const RETRYABLE_STREAM_ERRORS = new Set([
  'overloaded_error',
  'api_error',
  'rate_limit_error',
  'timeout_error',
]);

export function classifyAnthropicError(error: unknown): Failure {
  if (error instanceof APIConnectionError) {
    return { retryable: true, status: null, message: error.message, retryAfterMs: null };
  }
  if (error instanceof APIError) {
    const status = typeof error.status === 'number' ? error.status : null;
    const message = error.apiMessage ?? error.message;
    const hint = error.headers?.get('x-should-retry');
    let retryable = status === null ? RETRYABLE_STREAM_ERRORS.has(error.type ?? '') : false;
    if (status !== null) retryable = retryableStatus(status);
    if (hint === 'true' || hint === 'false') retryable = hint === 'true';
    return { retryable, status, message, retryAfterMs: retryAfterMs(error.headers) };
  }
  // A connection dropped mid-stream surfaces from the stream reader rather than as an APIError.
  const dropped =
    error instanceof AnthropicError ||
    (error instanceof TypeError && /terminated|fetch failed|socket/i.test(error.message));
  const message = errorMessage(error);
  return { retryable: dropped, status: null, message, retryAfterMs: null };
}

/** A 400 saying the model does not take this computer tool version. */
export function isUnsupportedTool(error: unknown): boolean {
  return (
    error instanceof APIError &&
    error.status === 400 &&
    /does not support tool types|anthropic-beta/i.test(error.apiMessage ?? error.message)
  );
}

/** A 400 saying the prompt no longer fits the model's context window. */
export function isPromptTooLong(error: unknown): boolean {
  return (
    error instanceof APIError &&
    error.status === 400 &&
    /prompt is too long|context window|too many tokens/i.test(error.apiMessage ?? error.message)
  );
}
