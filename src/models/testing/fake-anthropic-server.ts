import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackFakeServer, waitOrClose } from './loopback-fake-server.ts';

/**
 * A FAKE Anthropic Messages API for tests. It is not Claude and never calls Anthropic: it binds
 * 127.0.0.1 on a random port, plays the replies a test queues, and speaks the wire format the
 * real @anthropic-ai/sdk expects (MODELS.md §2): JSON with `content-type: application/json`,
 * SSE with `event:` lines, error bodies and retry headers. It also checks each request the way
 * the real API would (headers, tool versions, one tool_result per tool_use, toolset echoes,
 * thinking blocks sent back unchanged) and records what it finds in `problems`.
 */

export type Block = Record<string, unknown> & { type: string };

export interface FakeTurn {
  content: Block[];
  stop_reason?: string;
  stop_details?: unknown;
  usage?: {
    input_tokens?: number;
    output_tokens?: number;
    cache_read_input_tokens?: number;
    cache_creation_input_tokens?: number;
  };
}

export type FakeReply =
  /** An answer, streamed or not as the request asked. `stallMs` pauses after the first event. */
  | { turn: FakeTurn; stallMs?: number }
  /** An HTTP error with the API's error body. */
  | { status: number; type: string; message: string; headers?: Record<string, string> }
  /** A 200 stream that fails midway with `event: error`. */
  | { streamError: { type: string; message: string } }
  /** The connection is cut before any answer. */
  | { drop: true };

export interface SeenRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
  /** True when the client hung up before the answer was complete. */
  clientClosed: boolean;
  /** Thinking blocks whose prefix changed and that the request let the API drop. */
  droppedThinking: number;
}

export interface FakeServerOptions {
  /** Tool types each model accepts; others get the real API's 400. Unlisted models take all. */
  accepts?: Record<string, string[]>;
  /**
   * Models that bind each thinking block to everything sent before it, as Fable 5.1 and Opus
   * 5.5 do: a block whose prefix changed is refused with the real API's 400, or dropped when
   * the request sets `thinking.block_binding.prefix_mismatch_behavior: "drop_block"`.
   */
  prefixChecked?: string[];
}

const THINKING_BINDING_BETA = 'thinking-binding-controls-2026-08-01';

const BETA_FOR_TYPE: Record<string, string> = {
  computer_20241022: 'computer-use-2024-10-22',
  computer_20250124: 'computer-use-2025-01-24',
  computer_20251124: 'computer-use-2025-11-24',
};

export class FakeAnthropicServer extends LoopbackFakeServer<FakeReply, SeenRequest> {
  readonly #thinking = new Map<string, string>();
  /** A digest of what came before each thinking block when it was produced, by signature. */
  readonly #prefixes = new Map<string, string>();
  readonly #options: FakeServerOptions;
  #ids = 0;
  /** Used when the queue is empty, so a test can answer from what it was asked. */
  fallback: ((request: SeenRequest) => FakeReply) | null = null;

  private constructor(options: FakeServerOptions) {
    super();
    this.#options = options;
  }

  static async start(options: FakeServerOptions = {}): Promise<FakeAnthropicServer> {
    const fake = new FakeAnthropicServer(options);
    await fake.listen();
    return fake;
  }

  protected override async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const seen: SeenRequest = {
      path: req.url ?? '',
      headers: req.headers,
      body: parseJson(raw),
      clientClosed: false,
      droppedThinking: 0,
    };
    this.track(seen, res);
    res.setHeader('x-fake-server', 'deskpilot test fake, not the Anthropic API');

    if (req.method !== 'POST' || !seen.path.startsWith('/v1/messages')) {
      return sendError(res, 404, 'not_found_error', `the fake serves POST /v1/messages only`);
    }
    const problem = this.#check(seen);
    if (problem) {
      this.problems.push(problem);
      return sendError(res, 400, 'invalid_request_error', problem);
    }
    const unsupported = this.#unsupportedTool(seen.body);
    if (unsupported) return sendError(res, 400, 'invalid_request_error', unsupported);
    const mismatch = this.#prefixMismatch(seen);
    if (mismatch) {
      this.problems.push(mismatch);
      return sendError(res, 400, 'invalid_request_error', mismatch);
    }

    const reply = this.nextReply() ?? this.fallback?.(seen);
    if (!reply) {
      this.problems.push('a request arrived with no reply queued');
      return sendError(res, 500, 'api_error', 'the fake has no reply queued for this request');
    }
    await this.#send(seen, reply, res);
  }

  async #send(seen: SeenRequest, reply: FakeReply, res: ServerResponse): Promise<void> {
    if ('drop' in reply) {
      res.socket?.destroy();
      return;
    }
    if ('status' in reply) {
      return sendError(res, reply.status, reply.type, reply.message, reply.headers);
    }
    const model = String(seen.body['model'] ?? 'claude-fake');
    if ('streamError' in reply) {
      return this.#streamError(res, model, reply.streamError);
    }
    const message = this.#message(model, reply.turn);
    this.#notePrefixes(seen.body, reply.turn);
    if (seen.body['stream'] === true) return this.#stream(res, message, reply.stallMs ?? 0);
    res.writeHead(200, { 'content-type': 'application/json', 'request-id': 'req_fake' });
    res.end(JSON.stringify(message));
  }

  #message(model: string, turn: FakeTurn): Record<string, unknown> {
    this.#ids += 1;
    for (const block of turn.content) {
      if (block.type === 'thinking') {
        this.#thinking.set(String(block['signature']), String(block['thinking']));
      }
    }
    return {
      id: `msg_fake_${this.#ids}`,
      type: 'message',
      role: 'assistant',
      model,
      content: turn.content,
      stop_reason: turn.stop_reason ?? (hasToolUse(turn.content) ? 'tool_use' : 'end_turn'),
      stop_sequence: null,
      ...(turn.stop_details ? { stop_details: turn.stop_details } : {}),
      usage: {
        input_tokens: 100,
        output_tokens: 20,
        cache_read_input_tokens: 0,
        cache_creation_input_tokens: 0,
        ...turn.usage,
      },
    };
  }

  async #stream(res: ServerResponse, message: Record<string, unknown>, stallMs: number) {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const content = message['content'] as Block[];
    const usage = message['usage'] as Record<string, number>;
    send(res, 'message_start', {
      type: 'message_start',
      message: {
        ...message,
        content: [],
        stop_reason: null,
        usage: { ...usage, output_tokens: 1 },
      },
    });
    send(res, 'ping', { type: 'ping' });
    if (stallMs > 0) await waitOrClose(res, stallMs);
    if (res.destroyed) return;

    content.forEach((block, index) => streamBlock(res, block, index));
    send(res, 'message_delta', {
      type: 'message_delta',
      delta: { stop_reason: message['stop_reason'], stop_sequence: null },
      usage: { output_tokens: usage['output_tokens'] },
    });
    send(res, 'message_stop', { type: 'message_stop' });
    res.end();
  }

  #streamError(res: ServerResponse, model: string, error: { type: string; message: string }) {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const message = this.#message(model, { content: [] });
    send(res, 'message_start', { type: 'message_start', message });
    send(res, 'error', { type: 'error', error });
    res.end();
  }

  /** The checks of MODELS.md §2.7, as the real API would refuse the request. */
  #check(seen: SeenRequest): string | null {
    const { headers, body } = seen;
    if (!headers['authorization'] && !headers['x-api-key']) return 'no API key was sent';
    if (!headers['anthropic-version']) return 'anthropic-version header missing';
    if (headers['anthropic-version'] === '2026-10-21') {
      for (const field of ['temperature', 'top_p', 'top_k']) {
        if (field in body) return `${field} is not accepted under API version 2026-10-21`;
      }
    }
    return (
      checkTools(body, String(headers['anthropic-beta'] ?? '')) ??
      checkToolResults(body) ??
      this.#checkThinking(body) ??
      checkCacheControl(body) ??
      checkImages(body)
    );
  }

  #checkThinking(body: Record<string, unknown>): string | null {
    for (const message of messagesOf(body)) {
      if (message.role !== 'assistant') continue;
      for (const block of message.content) {
        if (block.type !== 'thinking') continue;
        const sent = this.#thinking.get(String(block['signature']));
        if (sent === undefined || sent !== block['thinking']) {
          return 'a thinking block came back changed or with an unknown signature';
        }
      }
    }
    return null;
  }

  #notePrefixes(body: Record<string, unknown>, turn: FakeTurn): void {
    if (!this.#options.prefixChecked?.includes(String(body['model']))) return;
    const prefix = prefixDigest(body, messagesOf(body).length);
    for (const block of turn.content) {
      if (block.type === 'thinking') this.#prefixes.set(String(block['signature']), prefix);
    }
  }

  /**
   * The prefix check of the preserved-thinking docs: a thinking block is valid only while the
   * system prompt, the tools and every message before it are as they were when it was made.
   * Cache markers are not content and do not count.
   */
  #prefixMismatch(seen: SeenRequest): string | null {
    const { body } = seen;
    if (!this.#options.prefixChecked?.includes(String(body['model']))) return null;
    const binding = (body['thinking'] as { block_binding?: Record<string, unknown> } | undefined)
      ?.block_binding;
    const betas = String(seen.headers['anthropic-beta'] ?? '').split(',');
    if (binding && !betas.map((beta) => beta.trim()).includes(THINKING_BINDING_BETA)) {
      return `thinking.block_binding requires the ${THINKING_BINDING_BETA} anthropic-beta header`;
    }
    const messages = messagesOf(body);
    for (const [i, message] of messages.entries()) {
      if (message.role !== 'assistant') continue;
      const j = message.content.findIndex((block) => block.type === 'thinking');
      if (j < 0) continue;
      const made = this.#prefixes.get(String(message.content[j]!['signature']));
      if (made === undefined || made === prefixDigest(body, i)) continue;
      if (binding?.['prefix_mismatch_behavior'] !== 'drop_block') {
        return (
          `messages.${i}.content.${j}: Invalid \`signature\` in \`thinking\` block. ` +
          'The block is bound to a different conversation. Remove the block, or set ' +
          '`thinking.block_binding.prefix_mismatch_behavior` to "drop_block".'
        );
      }
      // This block and every later one are invalid; the API drops them and answers.
      seen.droppedThinking = countThinking(messages.slice(i));
      return null;
    }
    return null;
  }

  #unsupportedTool(body: Record<string, unknown>): string | null {
    const model = String(body['model']);
    const accepted = this.#options.accepts?.[model];
    if (!accepted) return null;
    const types = toolsOf(body)
      .map((tool) => String(tool['type']))
      .filter((type) => type.startsWith('computer_'));
    const refused = types.filter((type) => !accepted.includes(type));
    if (refused.length === 0) return null;
    return (
      `'${model}' does not support tool types: ${refused.join(', ')}. ` +
      `Supported: ${accepted.join(', ')}`
    );
  }
}

function checkTools(body: Record<string, unknown>, betaHeader: string): string | null {
  const tools = toolsOf(body);
  const betas = betaHeader.split(',').map((value) => value.trim());
  const hasToolset = tools.some((tool) => tool['type'] === 'computer_toolset_20260801');
  for (const tool of tools) {
    const type = String(tool['type'] ?? 'custom');
    const beta = BETA_FOR_TYPE[type];
    if (beta && !betas.includes(beta)) return `${type} needs the anthropic-beta header ${beta}`;
    if (type === 'computer_toolset_20260801') {
      for (const field of ['name', 'display_width_px', 'display_height_px', 'enable_zoom']) {
        if (field in tool) return `the computer toolset takes no ${field}`;
      }
    }
    if (hasToolset && tool['name'] === 'computer') {
      return 'a toolset entry cannot be declared with another tool named computer';
    }
    if (type === 'computer_20250124' && 'enable_zoom' in tool) {
      return 'computer_20250124 takes no enable_zoom';
    }
  }
  return null;
}

/** Every tool_use of an assistant turn must be answered first thing in the next user turn. */
function checkToolResults(body: Record<string, unknown>): string | null {
  const messages = messagesOf(body);
  for (let i = 0; i < messages.length - 1; i += 1) {
    const uses = messages[i]!.content.filter((block) => block.type === 'tool_use');
    if (messages[i]!.role !== 'assistant' || uses.length === 0) continue;
    const next = messages[i + 1]!;
    const results = next.content.filter((block) => block.type === 'tool_result');
    const leading = next.content.slice(0, results.length).every((b) => b.type === 'tool_result');
    if (!leading) return 'tool_result blocks must come first in the user turn';
    for (const use of uses) {
      const answers = results.filter((result) => result['tool_use_id'] === use['id']);
      if (answers.length !== 1) {
        return `tool_use ${String(use['id'])} has ${answers.length} results`;
      }
      const echo = answers[0]!['toolset_name'];
      if (use['toolset_name'] !== undefined && echo !== use['toolset_name']) {
        return `the result for ${String(use['id'])} does not echo toolset_name`;
      }
    }
    if (results.length !== uses.length) return 'a tool_result answers no tool_use';
  }
  return null;
}

function checkCacheControl(body: Record<string, unknown>): string | null {
  const count = JSON.stringify(body).split('"cache_control"').length - 1;
  return count > 4 ? `${count} cache_control breakpoints; at most 4 are allowed` : null;
}

/**
 * Beta tools must declare the display at the size of the screenshots sent, or the model's
 * coordinates would not be frame pixels; the toolset refuses images over the high-res limits.
 */
function checkImages(body: Record<string, unknown>): string | null {
  const sizes = imagesOf(messagesOf(body)).map(pngSize);
  const newest = sizes.at(-1);
  if (!newest) return null;
  for (const tool of toolsOf(body)) {
    if (tool['name'] !== 'computer' || !('display_width_px' in tool)) continue;
    const declared = `${String(tool['display_width_px'])}x${String(tool['display_height_px'])}`;
    if (declared !== `${newest.width}x${newest.height}`) {
      return (
        `the display is declared ${declared} ` +
        `but the newest screenshot is ${newest.width}x${newest.height}`
      );
    }
  }
  for (const size of sizes) {
    const tokens = Math.ceil(size.width / 28) * Math.ceil(size.height / 28);
    if (Math.max(size.width, size.height) > 2576 || tokens > 4784) {
      return `an image of ${size.width}x${size.height} is over the model's limits`;
    }
  }
  return null;
}

function imagesOf(messages: { content: Block[] }[]): string[] {
  const images: string[] = [];
  const visit = (block: Block) => {
    if (block.type === 'image') {
      images.push(String((block['source'] as Record<string, unknown>)['data']));
    }
    if (block.type === 'tool_result' && Array.isArray(block['content'])) {
      (block['content'] as Block[]).forEach(visit);
    }
  };
  for (const message of messages) message.content.forEach(visit);
  return images;
}

/** Width and height from a PNG's header, which sits at a fixed place after its signature. */
function pngSize(base64: string): { width: number; height: number } {
  const bytes = Buffer.from(base64.slice(0, 64), 'base64');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

function toolsOf(body: Record<string, unknown>): Record<string, unknown>[] {
  return Array.isArray(body['tools']) ? (body['tools'] as Record<string, unknown>[]) : [];
}

function messagesOf(body: Record<string, unknown>): { role: string; content: Block[] }[] {
  const messages = Array.isArray(body['messages']) ? body['messages'] : [];
  return (messages as { role: string; content: unknown }[]).map((message) => ({
    role: message.role,
    content: Array.isArray(message.content)
      ? (message.content as Block[])
      : [{ type: 'text', text: String(message.content) }],
  }));
}

/** What came before message `end`: system, tools and messages, with cache markers left out. */
function prefixDigest(body: Record<string, unknown>, end: number): string {
  const prefix = {
    system: body['system'] ?? null,
    tools: body['tools'] ?? null,
    messages: messagesOf(body).slice(0, end),
  };
  const json = JSON.stringify(prefix, (key, value: unknown) =>
    key === 'cache_control' ? undefined : value,
  );
  return createHash('sha256').update(json).digest('hex');
}

function countThinking(messages: { role: string; content: Block[] }[]): number {
  return messages
    .filter((message) => message.role === 'assistant')
    .flatMap((message) => message.content)
    .filter((block) => block.type === 'thinking').length;
}

function hasToolUse(content: Block[]): boolean {
  return content.some((block) => block.type === 'tool_use');
}

/** One content block as SSE: start with an empty shell, then its deltas, then stop. */
function streamBlock(res: ServerResponse, block: Block, index: number): void {
  if (block.type === 'text') {
    send(res, 'content_block_start', {
      type: 'content_block_start',
      index,
      content_block: { type: 'text', text: '' },
    });
    for (const piece of halves(String(block['text']))) {
      send(res, 'content_block_delta', {
        type: 'content_block_delta',
        index,
        delta: { type: 'text_delta', text: piece },
      });
    }
  } else if (block.type === 'thinking') {
    send(res, 'content_block_start', {
      type: 'content_block_start',
      index,
      content_block: { type: 'thinking', thinking: '', signature: '' },
    });
    send(res, 'content_block_delta', {
      type: 'content_block_delta',
      index,
      delta: { type: 'thinking_delta', thinking: block['thinking'] },
    });
    send(res, 'content_block_delta', {
      type: 'content_block_delta',
      index,
      delta: { type: 'signature_delta', signature: block['signature'] },
    });
  } else if (block.type === 'tool_use') {
    const { input, ...shell } = block;
    send(res, 'content_block_start', {
      type: 'content_block_start',
      index,
      content_block: { ...shell, input: {} },
    });
    // Tool input arrives as JSON split across deltas, as the real stream sends it.
    for (const piece of halves(JSON.stringify(input ?? {}))) {
      send(res, 'content_block_delta', {
        type: 'content_block_delta',
        index,
        delta: { type: 'input_json_delta', partial_json: piece },
      });
    }
  } else {
    send(res, 'content_block_start', { type: 'content_block_start', index, content_block: block });
  }
  send(res, 'content_block_stop', { type: 'content_block_stop', index });
}

function halves(value: string): string[] {
  const middle = Math.floor(value.length / 2);
  return middle === 0 ? [value] : [value.slice(0, middle), value.slice(middle)];
}

function send(res: ServerResponse, event: string, data: unknown): void {
  if (!res.destroyed) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

function sendError(
  res: ServerResponse,
  status: number,
  type: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'request-id': 'req_fake',
    ...headers,
  });
  res.end(JSON.stringify({ type: 'error', error: { type, message }, request_id: 'req_fake' }));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJson(raw: string): Record<string, unknown> {
  try {
    return JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** Helpers that build the blocks a test's fake model answers with. */
export const fakeBlocks = {
  text: (text: string): Block => ({ type: 'text', text }),
  thinking: (thinking: string, signature: string): Block => ({
    type: 'thinking',
    thinking,
    signature,
  }),
  /** A beta-tool call: `computer` with the action in its input. */
  computer: (id: string, input: Record<string, unknown>): Block => ({
    type: 'tool_use',
    id,
    name: 'computer',
    input,
  }),
  /** A GA toolset member call: the action is the tool's name. */
  member: (id: string, name: string, input: Record<string, unknown> = {}): Block => ({
    type: 'tool_use',
    id,
    name,
    toolset_name: 'computer',
    input,
  }),
  tool: (id: string, name: string, input: Record<string, unknown>): Block => ({
    type: 'tool_use',
    id,
    name,
    input,
  }),
};
