import type Anthropic from '@anthropic-ai/sdk';
import type { Logger } from 'pino';
import type { Frame } from '../../desktop/desktop.ts';
import { RunError } from '../../errors.ts';
import { costUsd, type Price } from '../pricing.ts';
import type { RetryPolicy } from '../retry.ts';
import { Spend } from '../spend.ts';
import type { AgentSession, AgentTurn, Observation } from '../vision-model.ts';
import {
  isPromptTooLong,
  isUnsupportedTool,
  sendMessage,
  type MessageRequest,
  usageOf,
  type ModelMessage,
} from './anthropic-client.ts';
import { Conversation, type ScreenshotHistory } from './conversation.ts';
import {
  agentTools,
  imageBlock,
  notes,
  parseToolCalls,
  text,
  toolResults,
  type Pending,
} from './tool-calls.ts';
import {
  betaHeaderFor,
  computerTool,
  isToolset,
  visualTokens,
  type ToolVersion,
} from './tool-versions.ts';
import type { Block } from './wire.ts';

export interface SessionSettings {
  client: Anthropic;
  model: string;
  versions: ToolVersion[];
  price: Price;
  history: ScreenshotHistory;
  retryPolicy: RetryPolicy;
  maxTokens: number;
  /** The model's thinking is bound to the prompt prefix (see `toolsFor`). */
  bindsThinking: boolean;
}

export interface SessionStart {
  task: string;
  system: string;
  stepsTaken: number;
  deadlineAt: Date;
  log: Logger;
}

/** Set once per `next` so each kind of bad answer is told to the model only once. */
interface Corrections {
  refusal: boolean;
  maxTokens: boolean;
  noTool: boolean;
  contextFull: boolean;
  pauses: number;
}

const MAX_PAUSES = 3;

/**
 * Once screenshots were removed on a model whose thinking is bound to the prompt prefix, the
 * thinking blocks after them no longer match it. The API would refuse every later request with
 * a 400 ("bound to a different conversation"); this asks it to drop those blocks instead. It is
 * not remembered between requests, so every request after the first removal carries it.
 * Source: MODELS.md §1.6 and the preserved-thinking docs (platform.claude.com).
 */
const DROP_STALE_THINKING = {
  type: 'adaptive',
  block_binding: { prefix_mismatch_behavior: 'drop_block' },
};
const THINKING_BINDING_BETA = 'thinking-binding-controls-2026-08-01';

const REFUSAL_NOTE =
  'Your last answer stopped as a refusal. If part of the task is something you will not do, ' +
  'call the done tool and say so in the summary; otherwise go on with the task.';
const MAX_TOKENS_NOTE =
  'Your last answer was cut off at the output limit and was discarded. ' +
  'Answer more briefly: a short thought, then the tool calls.';
const NO_TOOL_NOTE =
  'You answered without calling a tool. Go on with computer actions, call the done tool with ' +
  'a summary if the task is complete, or call ask_human if you need the person supervising ' +
  'this run.';

/**
 * One run's conversation with Claude through the computer tool. Holds the history in the
 * Messages API's shape, answers every tool call of the last turn in the next user turn, and
 * turns each answer into actions in the frame's coordinates.
 */
export class AnthropicSession implements AgentSession {
  readonly #settings: SessionSettings;
  readonly #start: SessionStart;
  readonly #log: Logger;
  readonly #conversation: Conversation;
  #versionIndex = 0;
  #pending: Pending[] = [];
  #started = false;
  #lastPromptTokens = 0;
  #maxOutputTokens = 0;

  constructor(settings: SessionSettings, start: SessionStart) {
    this.#settings = settings;
    this.#start = start;
    this.#log = start.log;
    this.#conversation = new Conversation(settings.history, {
      onlyAtLimits: settings.bindsThinking,
    });
  }

  get #version(): ToolVersion {
    return this.#settings.versions[this.#versionIndex]!;
  }

  async next(observation: Observation, signal: AbortSignal): Promise<AgentTurn> {
    this.#conversation.push({ role: 'user', content: this.#userContent(observation) });
    const pruned = this.#conversation.prune(observation.frame.sent);
    if (pruned > 0) this.#logPruned(pruned);

    const calls = new Spend();
    const message = await this.#answer(observation.frame, signal, calls);
    return this.#toTurn(message, calls);
  }

  #logPruned(pruned: number): void {
    if (!this.#settings.bindsThinking) {
      this.#log.debug({ pruned }, 'old screenshots pruned');
      return;
    }
    // Rare and not free on these models: the API drops the thinking after the removed ones.
    this.#log.info({ pruned }, 'screenshots pruned at a request limit, later thinking dropped');
  }

  estimateNextCostUsd(observation: Observation): number {
    const overhead = isToolset(this.#version) ? 4_600 : 1_300;
    const history = this.#lastPromptTokens || overhead + Math.ceil(this.#start.system.length / 3);
    const images = observation.results.filter((result) => result.output?.kind === 'image');
    const newTokens = visualTokens(observation.frame.sent) * (1 + images.length) + 400;
    // Cautious on purpose: every prompt token at the full input rate, as if the cache missed.
    return costUsd(this.#settings.price, {
      input_tokens: history + newTokens,
      output_tokens: Math.max(this.#maxOutputTokens, 1_024),
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 0,
    });
  }

  #userContent(observation: Observation): Block[] {
    const lines = notes(observation, this.#pending);
    if (!this.#started) {
      this.#started = true;
      return [text(this.#taskText()), ...lines.map(text), imageBlock(observation.frame)];
    }
    if (this.#pending.length === 0) return [...lines.map(text), imageBlock(observation.frame)];
    // Tool results must open the user turn; notes follow them.
    return [...toolResults(this.#pending, observation), ...lines.map(text)];
  }

  #taskText(): string {
    const { task, stepsTaken } = this.#start;
    const resumed =
      stepsTaken > 0
        ? `\n\nYou already took ${stepsTaken} steps on this task before the daemon restarted; ` +
          'the screenshot shows where things stand now.'
        : '';
    return `<task>\n${task}\n</task>${resumed}`;
  }

  /** Asks until the answer is usable, telling the model once about each kind of bad answer. */
  async #answer(frame: Frame, signal: AbortSignal, calls: Spend): Promise<ModelMessage> {
    const told: Corrections = {
      refusal: false,
      maxTokens: false,
      noTool: false,
      contextFull: false,
      pauses: 0,
    };
    for (;;) {
      const message = await this.#send(frame, signal, calls, told);
      if (message === 'retry') continue;

      const content = message.content;
      const stop = message.stop_reason;
      if (stop === 'pause_turn') {
        this.#pauseTurn(content, told);
        continue;
      }
      if (stop === 'refusal') {
        this.#refusal(message, told);
        continue;
      }
      if (stop === 'max_tokens') {
        this.#cutOff(told);
        continue;
      }
      if (stop === 'model_context_window_exceeded') {
        this.#contextFull(told);
        continue;
      }
      if (!content.some((block) => block.type === 'tool_use')) {
        this.#noTool(content, told);
        continue;
      }
      this.#conversation.push({ role: 'assistant', content });
      return message;
    }
  }

  /** One call; 'retry' when the request was changed (tool version, context) and must be resent. */
  async #send(
    frame: Frame,
    signal: AbortSignal,
    calls: Spend,
    told: Corrections,
  ): Promise<ModelMessage | 'retry'> {
    const { client, model, maxTokens, retryPolicy, price } = this.#settings;
    const version = this.#version;
    const stale = this.#settings.bindsThinking && this.#conversation.edited;
    const request: MessageRequest = {
      model,
      max_tokens: maxTokens,
      system: [{ type: 'text', text: this.#start.system, cache_control: { type: 'ephemeral' } }],
      tools: [computerTool(version, frame.sent), ...agentTools],
      messages: this.#conversation.forRequest(),
      ...(stale ? { thinking: DROP_STALE_THINKING } : {}),
    };
    const betas = [betaHeaderFor(version), stale ? THINKING_BINDING_BETA : null];
    try {
      const message = await sendMessage(client, request, betas.filter(isString), {
        signal,
        deadlineAt: this.#start.deadlineAt,
        policy: retryPolicy,
        log: this.#log,
        retries: calls.retries,
        onAttempt: () => (calls.calls += 1),
      });
      calls.add(usageOf(message), price);
      this.#remember(message);
      return message;
    } catch (error) {
      if (!(error instanceof RunError)) throw error;
      if (this.#stepDown(error.cause)) return 'retry';
      if (isPromptTooLong(error.cause)) {
        this.#contextFull(told);
        return 'retry';
      }
      throw error;
    }
  }

  #remember(message: ModelMessage): void {
    const usage = message.usage;
    this.#lastPromptTokens =
      usage.input_tokens +
      (usage.cache_read_input_tokens ?? 0) +
      (usage.cache_creation_input_tokens ?? 0) +
      usage.output_tokens;
    this.#maxOutputTokens = Math.max(this.#maxOutputTokens, usage.output_tokens);
  }

  /**
   * Moves to the next older tool version when the model refuses this one, as models newer than
   * the adapter's table may. Only before the first answer: later turns hold tool calls in the
   * first version's shape.
   */
  #stepDown(cause: unknown): boolean {
    const next = this.#versionIndex + 1;
    if (!isUnsupportedTool(cause) || this.#conversation.hasAssistantTurn) return false;
    if (next >= this.#settings.versions.length) return false;
    this.#log.info(
      { from: this.#version, to: this.#settings.versions[next] },
      'model refused the computer tool version, trying an older one',
    );
    this.#versionIndex = next;
    return true;
  }

  #pauseTurn(content: Block[], told: Corrections): void {
    told.pauses += 1;
    if (told.pauses > MAX_PAUSES) {
      throw new RunError('model_error', `Claude paused its turn more than ${MAX_PAUSES} times`);
    }
    // Sending the paused answer back as the last message lets the model continue it.
    this.#conversation.push({ role: 'assistant', content });
  }

  #refusal(message: ModelMessage, told: Corrections): void {
    const said = textOf(message.content);
    if (told.refusal) {
      throw new RunError(
        'model_refused',
        `Claude refused to continue${said ? `: ${clip(said)}` : ''}`,
      );
    }
    told.refusal = true;
    this.#log.info({}, 'model refused, telling it once');
    this.#appendNote(REFUSAL_NOTE);
  }

  #cutOff(told: Corrections): void {
    if (told.maxTokens) {
      throw new RunError(
        'model_error',
        `Claude's answer hit max_tokens (${this.#settings.maxTokens}) twice in a row`,
      );
    }
    told.maxTokens = true;
    this.#appendNote(MAX_TOKENS_NOTE);
  }

  #contextFull(told: Corrections): void {
    if (told.contextFull) {
      throw new RunError(
        'model_error',
        "the conversation no longer fits the model's context window, " +
          'even with old screenshots removed',
      );
    }
    told.contextFull = true;
    const pruned = this.#conversation.pruneHard(1);
    this.#log.info({ pruned }, 'context window full, removed every screenshot but the newest');
  }

  #noTool(content: Block[], told: Corrections): void {
    const said = textOf(content);
    if (told.noTool) {
      throw new RunError(
        'model_error',
        'Claude answered twice without an action, done or ask_human' +
          (said ? `: ${clip(said)}` : ''),
      );
    }
    told.noTool = true;
    if (content.length === 0) return this.#appendNote(NO_TOOL_NOTE);
    this.#conversation.push({ role: 'assistant', content });
    this.#conversation.push({ role: 'user', content: [text(NO_TOOL_NOTE)] });
  }

  /** Adds a note to the user turn that is about to be sent again. */
  #appendNote(note: string): void {
    const last = this.#conversation.messages.at(-1);
    if (last?.role === 'user') last.content.push(text(note));
    else this.#conversation.push({ role: 'user', content: [text(note)] });
  }

  #toTurn(message: ModelMessage, calls: Spend): AgentTurn {
    const parsed = parseToolCalls(message.content, this.#version);
    this.#pending = parsed.pending;
    const said = textOf(message.content);
    return {
      text: said || null,
      actions: parsed.actions,
      ...(parsed.done ? { done: parsed.done } : {}),
      ...(parsed.needsHuman ? { needsHuman: parsed.needsHuman } : {}),
      usage: calls.usage,
      costUsd: calls.costUsd,
      modelCalls: calls.calls,
      retries: calls.retries,
    };
  }
}

function isString(value: string | null): value is string {
  return value !== null;
}

/** The visible text of an answer; thinking stays private to the model. */
function textOf(content: Block[]): string {
  return content
    .filter((block) => block.type === 'text' && typeof block['text'] === 'string')
    .map((block) => block['text'] as string)
    .join('\n')
    .trim();
}

function clip(value: string): string {
  return value.length > 300 ? `${value.slice(0, 300)}…` : value;
}
