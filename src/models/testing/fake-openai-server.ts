import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackFakeServer, waitOrClose } from './loopback-fake-server.ts';

/**
 * A FAKE OpenAI-compatible chat server for tests, standing in for vLLM, Ollama or llama.cpp
 * serving UI-TARS or Qwen-VL. It is no model: it binds 127.0.0.1 on a random port, answers
 * `POST /v1/chat/completions` with the replies a test queues, in the wire shape of MODELS.md
 * §4.1, and notes requests that a real server would refuse in `problems`.
 */

export type FakeChatReply =
  | {
      content: string;
      toolCalls?: { name: string; arguments: string }[];
      usage?: { prompt_tokens: number; completion_tokens: number };
      /** Holds the answer this long, or until the client hangs up, as a slow server would. */
      stallMs?: number;
    }
  | { status: number; message: string; headers?: Record<string, string> }
  | { drop: true };

export interface SeenChatRequest {
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
  clientClosed: boolean;
  /** When the client hung up on the unfinished answer, in `performance.now()` milliseconds. */
  closedAt: number | null;
}

export class FakeOpenAIServer extends LoopbackFakeServer<FakeChatReply, SeenChatRequest> {
  #ids = 0;

  /**
   * Starts the fake. Its `url` is the base URL a client is given, `/v1` included, as
   * OPENAI_BASE_URL would be.
   */
  static async start(): Promise<FakeOpenAIServer> {
    const fake = new FakeOpenAIServer();
    await fake.listen('/v1');
    return fake;
  }

  protected override async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const seen: SeenChatRequest = {
      headers: req.headers,
      body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>,
      clientClosed: false,
      closedAt: null,
    };
    this.track(seen, res, () => {
      seen.closedAt = performance.now();
    });
    res.setHeader('x-fake-server', 'deskpilot test fake, not a model server');

    if (req.method !== 'POST' || !req.url?.startsWith('/v1/chat/completions')) {
      return sendError(res, 404, `the fake serves POST /v1/chat/completions only`);
    }
    const problem = check(seen);
    if (problem) {
      this.problems.push(problem);
      return sendError(res, 400, problem);
    }
    const reply = this.nextReply();
    if (!reply) {
      this.problems.push('a request arrived with no reply queued');
      return sendError(res, 500, 'the fake has no reply queued');
    }
    await this.#send(seen, reply, res);
  }

  async #send(seen: SeenChatRequest, reply: FakeChatReply, res: ServerResponse): Promise<void> {
    if ('drop' in reply) {
      res.socket?.destroy();
      return;
    }
    if ('status' in reply) return sendError(res, reply.status, reply.message, reply.headers);
    if (reply.stallMs) await waitOrClose(res, reply.stallMs);
    if (res.destroyed) return;

    this.#ids += 1;
    const toolCalls = reply.toolCalls?.map((call, index) => ({
      id: `call_fake_${this.#ids}_${index}`,
      type: 'function',
      function: call,
    }));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id: `chatcmpl-fake-${this.#ids}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: seen.body['model'],
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: reply.content,
              ...(toolCalls ? { tool_calls: toolCalls } : {}),
            },
            finish_reason: toolCalls ? 'tool_calls' : 'stop',
          },
        ],
        usage: {
          ...(reply.usage ?? { prompt_tokens: 1_500, completion_tokens: 40 }),
          total_tokens: 0,
        },
      }),
    );
  }
}

/** What vLLM or Ollama would refuse: no key, no model, images that are not data URLs. */
function check(seen: SeenChatRequest): string | null {
  if (!String(seen.headers['authorization'] ?? '').startsWith('Bearer ')) {
    return 'no bearer key was sent';
  }
  if (typeof seen.body['model'] !== 'string') return 'no model named';
  const messages = seen.body['messages'];
  if (!Array.isArray(messages) || messages.length === 0) return 'no messages';
  for (const message of messages as { role: string; content: unknown }[]) {
    if (!['system', 'user', 'assistant'].includes(message.role)) return `role ${message.role}`;
    if (!Array.isArray(message.content)) continue;
    for (const part of message.content as Record<string, unknown>[]) {
      const url = (part['image_url'] as { url?: string } | undefined)?.url;
      if (part['type'] === 'image_url' && !url?.startsWith('data:image/')) {
        return 'an image is not a data URL';
      }
    }
  }
  return null;
}

function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ error: { message, type: 'invalid_request_error', code: null } }));
}
