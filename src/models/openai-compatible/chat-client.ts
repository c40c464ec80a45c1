import OpenAI, { APIConnectionError, APIError } from 'openai';
import { errorMessage } from '../../errors.ts';
import type { Usage } from '../../runs/run.ts';
import {
  retryableStatus,
  retryAfterMs,
  callWithRetries,
  type Failure,
  type ModelCallOptions,
} from '../retry.ts';
import type { RawReply } from './reply.ts';

export type ChatContent =
  string | ({ type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } })[];

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: ChatContent;
}

export type ChatOptions = ModelCallOptions;

/** The SDK client for an OpenAI-compatible server, with its own retries off (ours count them). */
export function createChatClient(baseURL: string, apiKey: string): OpenAI {
  return new OpenAI({ baseURL, apiKey, maxRetries: 0 });
}

/**
 * One chat completion. Not streamed: local servers differ in how they stream tool calls, and an
 * abort still closes the HTTP request at once, which is all cancel needs.
 */
export function complete(
  client: OpenAI,
  model: string,
  messages: ChatMessage[],
  maxTokens: number,
  options: ChatOptions,
): Promise<{ reply: RawReply; usage: Usage }> {
  const attempt = async (timeout: number) => {
    const response = await client.chat.completions.create(
      {
        model,
        // Each message is one of the SDK's role-specific params; the union is checked here once.
        messages: messages as OpenAI.Chat.Completions.ChatCompletionMessageParam[],
        max_tokens: maxTokens,
        temperature: 0,
      },
      { signal: options.signal, timeout },
    );
    return readResponse(response);
  };
  return callWithRetries(attempt, options, 'the OpenAI-compatible server', classifyOpenAIError);
}

function readResponse(response: OpenAI.Chat.Completions.ChatCompletion): {
  reply: RawReply;
  usage: Usage;
} {
  const message = response.choices[0]?.message;
  const toolCalls = (message?.tool_calls ?? []).flatMap((call) =>
    call.type === 'function'
      ? [{ name: call.function.name, arguments: call.function.arguments }]
      : [],
  );
  return {
    reply: { content: message?.content ?? '', toolCalls },
    usage: {
      input_tokens: response.usage?.prompt_tokens ?? 0,
      output_tokens: response.usage?.completion_tokens ?? 0,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 0,
    },
  };
}

export function classifyOpenAIError(error: unknown): Failure {
  if (error instanceof APIConnectionError) {
    return { retryable: true, status: null, message: error.message, retryAfterMs: null };
  }
  if (error instanceof APIError) {
    const status = typeof error.status === 'number' ? error.status : null;
    const inner = error.error as { message?: unknown } | undefined;
    const message = typeof inner?.message === 'string' ? inner.message : error.message;
    return {
      retryable: status === null || retryableStatus(status),
      status,
      message,
      retryAfterMs: retryAfterMs(error.headers),
    };
  }
  const message = errorMessage(error);
  return { retryable: false, status: null, message, retryAfterMs: null };
}
