import type OpenAI from 'openai';
import type { Logger } from 'pino';
import type { Frame, FrameSpec, Size } from '../../desktop/desktop.ts';
import { RunError } from '../../errors.ts';
import { FREE } from '../pricing.ts';
import type { RetryPolicy } from '../retry.ts';
import { Spend } from '../spend.ts';
import { askForVerdict, VERIFIER_SYSTEM_PROMPT, verifierQuestion } from '../verifier.ts';
import type {
  AgentSession,
  AgentTurn,
  Observation,
  SessionInit,
  VerifierVerdict,
  VerifyInput,
  VisionModel,
} from '../vision-model.ts';
import { complete, type ChatMessage } from './chat-client.ts';
import { coordinateMapper, type FormatName } from './formats.ts';
import { qwenFormat } from './qwen-vl.ts';
import type { ActionFormat, ParsedReply, RawReply } from './reply.ts';
import { uiTarsFormat } from './ui-tars.ts';

export interface OpenModelSettings {
  client: OpenAI;
  /** The name the server knows the model by. */
  served: string;
  /** The run's model name after `openai-compatible:`, suffix included. */
  name: string;
  format: FormatName;
  /** Screenshots kept in the conversation; local models have short contexts. */
  keepImages: number;
  retryPolicy: RetryPolicy;
  maxTokens: number;
}

/** Frames for open models: the screen as is, up to about 1920×1080 worth of pixels. */
const MAX_PIXELS = 1920 * 1080;

/**
 * `openai-compatible:<model>`: UI-TARS or Qwen-VL behind a chat-completions endpoint (vLLM,
 * Ollama, llama.cpp, LM Studio). Each model family has its own prompt, answer format and
 * coordinate space; all of them end up as actions in the frame's pixels.
 */
export class OpenModel implements VisionModel {
  readonly id: string;
  readonly #settings: OpenModelSettings;

  constructor(settings: OpenModelSettings) {
    this.#settings = settings;
    this.id = `openai-compatible:${settings.name}`;
  }

  frameSpec(screen: Size): FrameSpec {
    return {
      maxWidth: screen.width,
      maxHeight: screen.height,
      maxPixels: MAX_PIXELS,
      format: 'png',
    };
  }

  startSession(init: SessionInit): AgentSession {
    const format = formatOf(this.#settings.format);
    return new OpenSession(this.#settings, format, init);
  }

  /** The v4 judge, with the same prompt as every provider's and the model's own eyes. */
  async verify(input: VerifyInput): Promise<VerifierVerdict> {
    const spend = new Spend();
    const messages: ChatMessage[] = [
      { role: 'system', content: VERIFIER_SYSTEM_PROMPT },
      {
        role: 'user',
        content: [{ type: 'text', text: verifierQuestion(input) }, imagePart(input.frame)],
      },
    ];
    const verdict = await askForVerdict(
      async () => (await this.#call(messages, input, spend)).reply,
      (reply) => reply.content,
      (reply, reminder) =>
        messages.push(
          { role: 'assistant', content: reply.content },
          { role: 'user', content: reminder },
        ),
    );
    return { ...verdict, usage: spend.usage, costUsd: 0, modelCalls: spend.calls };
  }

  async #call(messages: ChatMessage[], input: VerifyInput, spend: Spend) {
    const result = await complete(this.#settings.client, this.#settings.served, messages, 512, {
      signal: input.signal,
      deadlineAt: input.deadlineAt,
      policy: this.#settings.retryPolicy,
      log: input.log,
      retries: spend.retries,
      onAttempt: () => (spend.calls += 1),
    });
    spend.add(result.usage, FREE);
    return result;
  }
}

function formatOf(name: FormatName): ActionFormat {
  return name === 'qwen2.5-vl' || name === 'qwen3-vl' ? qwenFormat(name) : uiTarsFormat(name);
}

const SCREENSHOT_REMOVED = '(an older screenshot, removed to keep the conversation short)';

class OpenSession implements AgentSession {
  readonly #settings: OpenModelSettings;
  readonly #format: ActionFormat;
  readonly #init: SessionInit;
  readonly #log: Logger;
  readonly #messages: ChatMessage[] = [];

  constructor(settings: OpenModelSettings, format: ActionFormat, init: SessionInit) {
    this.#settings = settings;
    this.#format = format;
    this.#init = init;
    this.#log = init.log;
  }

  /** Local models cost nothing per token. */
  estimateNextCostUsd(): number {
    return 0;
  }

  async next(observation: Observation, signal: AbortSignal): Promise<AgentTurn> {
    this.#messages.push(...this.#userTurn(observation));
    this.#pruneImages();

    const spend = new Spend();
    const toFrame = coordinateMapper(this.#format.name, observation.frame.sent);
    let told = false;
    for (;;) {
      const reply = await this.#ask(signal, spend);
      const parsed = this.#format.parse(reply, toFrame);
      this.#messages.push({ role: 'assistant', content: this.#format.historyText(reply) });
      if (!parsed.problem) return this.#toTurn(parsed, spend);

      if (told) {
        throw new RunError(
          'model_error',
          `the model's answer could not be used twice: ${parsed.problem}`,
        );
      }
      told = true;
      // The problem can quote the answer, which may hold text to type: it stays out of the log.
      this.#log.info({ format: this.#format.name }, 'unusable answer, telling the model once');
      this.#messages.push({
        role: 'user',
        content:
          `Your last answer could not be used: ${parsed.problem}. ` +
          'Answer again in the format you were given.',
      });
    }
  }

  #userTurn(observation: Observation): ChatMessage[] {
    const messages: ChatMessage[] = [];
    const texts: string[] = [];
    if (this.#messages.length === 0) {
      const { system, firstUser } = this.#format.instructions({
        task: this.#init.task,
        guidance: guidanceOf(this.#init),
        screen: observation.frame.sent,
      });
      if (system) messages.push({ role: 'system', content: system });
      texts.push(firstUser);
    }
    const results = this.#format.resultsText(observation.results);
    if (results) texts.push(results);
    if (observation.humanReply) texts.push(`The user answered: ${observation.humanReply}`);
    if (observation.verifierFeedback) {
      texts.push(
        `A check of the screen found the task is not done yet: ${observation.verifierFeedback}`,
      );
    }
    if (observation.notice) texts.push(observation.notice);

    const parts = texts.map((text) => ({ type: 'text' as const, text }));
    messages.push({ role: 'user', content: [...parts, imagePart(observation.frame)] });
    return messages;
  }

  /** Keeps the newest screenshots only; older user turns keep their words. */
  #pruneImages(): void {
    let kept = 0;
    for (let i = this.#messages.length - 1; i >= 0; i -= 1) {
      const message = this.#messages[i]!;
      if (message.role !== 'user' || typeof message.content === 'string') continue;
      if (!message.content.some((part) => part.type === 'image_url')) continue;
      kept += 1;
      if (kept <= this.#settings.keepImages) continue;
      message.content = message.content.map((part) =>
        part.type === 'image_url' ? { type: 'text', text: SCREENSHOT_REMOVED } : part,
      );
    }
  }

  async #ask(signal: AbortSignal, spend: Spend): Promise<RawReply> {
    const { client, served, maxTokens, retryPolicy } = this.#settings;
    const { reply, usage } = await complete(client, served, this.#messages, maxTokens, {
      signal,
      deadlineAt: this.#init.deadlineAt,
      policy: retryPolicy,
      log: this.#log,
      retries: spend.retries,
      onAttempt: () => (spend.calls += 1),
    });
    spend.add(usage, FREE);
    return reply;
  }

  #toTurn(parsed: ParsedReply, spend: Spend): AgentTurn {
    if (parsed.gaveUp) {
      throw new RunError(
        'agent_gave_up',
        `the agent said the task cannot be done: ${parsed.gaveUp.reason}`,
      );
    }
    return {
      text: parsed.thought,
      actions: parsed.actions,
      ...(parsed.done ? { done: parsed.done } : {}),
      ...(parsed.needsHuman ? { needsHuman: parsed.needsHuman } : {}),
      usage: spend.usage,
      costUsd: 0,
      modelCalls: spend.calls,
      retries: spend.retries,
    };
  }
}

/** A run's own prompt and instructions; the built-in one is written for the tool-using models. */
function guidanceOf(init: SessionInit): string | null {
  const parts = [init.systemPrompt, init.instructions].filter((part): part is string => !!part);
  return parts.length > 0 ? parts.join('\n\n') : null;
}

function imagePart(frame: Frame): { type: 'image_url'; image_url: { url: string } } {
  const media = frame.format === 'png' ? 'image/png' : 'image/jpeg';
  return {
    type: 'image_url',
    image_url: { url: `data:${media};base64,${frame.image.toString('base64')}` },
  };
}
