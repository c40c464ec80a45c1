import type Anthropic from '@anthropic-ai/sdk';
import { systemPromptFor } from '../../agent/system-prompt.ts';
import type { FrameSpec, Size } from '../../desktop/desktop.ts';
import type { Price } from '../pricing.ts';
import type { RetryPolicy } from '../retry.ts';
import { Spend } from '../spend.ts';
import {
  askForVerdict,
  verdictJsonSchema,
  VERIFIER_SYSTEM_PROMPT,
  verifierQuestion,
} from '../verifier.ts';
import type {
  AgentSession,
  SessionInit,
  VerifierVerdict,
  VerifyInput,
  VisionModel,
} from '../vision-model.ts';
import { sendMessage, usageOf, type ModelMessage } from './anthropic-client.ts';
import { AnthropicSession } from './anthropic-session.ts';
import type { ScreenshotHistory } from './conversation.ts';
import { imageBlock, text } from './tool-calls.ts';
import { frameSpecFor, type ModelTools } from './tool-versions.ts';
import type { WireMessage } from './wire.ts';

export interface AnthropicModelSettings {
  client: Anthropic;
  /** The Claude model id, without the `anthropic:` prefix. */
  model: string;
  tools: ModelTools;
  price: Price;
  history: ScreenshotHistory;
  retryPolicy: RetryPolicy;
  maxTokens: number;
}

const VERDICT_MAX_TOKENS = 2_048;

/** `anthropic:<model id>`: Claude through the computer-use tool version the model accepts. */
export class AnthropicModel implements VisionModel {
  readonly id: string;
  readonly #settings: AnthropicModelSettings;

  constructor(settings: AnthropicModelSettings) {
    this.#settings = settings;
    this.id = `anthropic:${settings.model}`;
  }

  frameSpec(screen: Size): FrameSpec {
    return frameSpecFor(screen, this.#settings.tools.tier);
  }

  startSession(init: SessionInit): AgentSession {
    const { tools, ...rest } = this.#settings;
    if (!tools.known) {
      init.log.warn(
        { model: rest.model },
        'model not in the tool version table, trying versions newest first',
      );
    }
    return new AnthropicSession(
      { ...rest, versions: tools.versions, bindsThinking: tools.bindsThinking },
      {
        task: init.task,
        system: systemPromptFor(init.systemPrompt, init.instructions),
        stepsTaken: init.stepsTaken,
        deadlineAt: init.deadlineAt,
        log: init.log,
      },
    );
  }

  /**
   * The v4 judge: a separate conversation with its own prompt, the task, the agent's summary and
   * the fresh frame, answering in a JSON schema. An unreadable answer is asked for once more.
   */
  async verify(input: VerifyInput): Promise<VerifierVerdict> {
    const messages: WireMessage[] = [
      { role: 'user', content: [text(verifierQuestion(input)), imageBlock(input.frame)] },
    ];
    const spent = new Spend();

    const verdict = await askForVerdict(
      () => this.#judge(messages, input, spent),
      (message) =>
        message.content
          .filter((block) => block.type === 'text')
          .map((block) => String(block['text']))
          .join(''),
      (message, reminder) =>
        messages.push(
          { role: 'assistant', content: message.content },
          { role: 'user', content: [text(reminder)] },
        ),
    );
    return { ...verdict, usage: spent.usage, costUsd: spent.costUsd, modelCalls: spent.calls };
  }

  async #judge(messages: WireMessage[], input: VerifyInput, spent: Spend): Promise<ModelMessage> {
    const { client, model, retryPolicy, price } = this.#settings;
    const message = await sendMessage(
      client,
      {
        model,
        max_tokens: VERDICT_MAX_TOKENS,
        system: [{ type: 'text', text: VERIFIER_SYSTEM_PROMPT }],
        messages,
        output_config: { format: { type: 'json_schema', schema: verdictJsonSchema } },
      },
      [],
      {
        signal: input.signal,
        deadlineAt: input.deadlineAt,
        policy: retryPolicy,
        log: input.log,
        retries: spent.retries,
        onAttempt: () => (spent.calls += 1),
      },
    );
    spent.add(usageOf(message), price);
    return message;
  }
}
