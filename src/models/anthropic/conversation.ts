import type { Block, WireMessage } from './wire.ts';

export interface ScreenshotHistory {
  /** The newest screenshots that always stay in the conversation. */
  keep: number;
  /** Older screenshots are removed this many at a time. */
  pruneBatch: number;
}

const PRUNED = '(an older screenshot, removed to keep the conversation short)';

/** Up to four breakpoints per request: one after the system prompt, three on recent turns. */
const RECENT_BREAKPOINTS = 3;

/**
 * The conversation of one session, in the Messages API's shape. Old screenshots are replaced
 * by a short note in batches: removing one changes the prompt prefix and so the cache, and
 * doing it once every `pruneBatch` turns instead of every turn keeps most calls on cached reads.
 */
export class Conversation {
  readonly messages: WireMessage[] = [];
  readonly #history: ScreenshotHistory;

  constructor(history: ScreenshotHistory) {
    this.#history = history;
  }

  push(message: WireMessage): void {
    this.messages.push(message);
  }

  /** Drops the last message, such as an answer that was cut off and will be asked for again. */
  pop(): WireMessage | undefined {
    return this.messages.pop();
  }

  get hasAssistantTurn(): boolean {
    return this.messages.some((message) => message.role === 'assistant');
  }

  imageCount(): number {
    return imageSlots(this.messages).length;
  }

  /** Removes old screenshots once enough have gathered; returns how many went. */
  prune(): number {
    const { keep, pruneBatch } = this.#history;
    const excess = this.imageCount() - keep;
    const remove = Math.floor(excess / pruneBatch) * pruneBatch;
    return remove > 0 ? this.#removeOldest(remove) : 0;
  }

  /** Keeps only the newest `keep` screenshots, whatever the batch; for a full context window. */
  pruneHard(keep: number): number {
    return this.#removeOldest(Math.max(0, this.imageCount() - keep));
  }

  #removeOldest(count: number): number {
    const slots = imageSlots(this.messages).slice(0, count);
    for (const { blocks, index } of slots) blocks[index] = { type: 'text', text: PRUNED };
    return slots.length;
  }

  /**
   * The messages to send: the history with a cache breakpoint on the last block of each of the
   * most recent user turns. The stored history is never marked, so old markers do not pile up.
   */
  forRequest(): WireMessage[] {
    const marked = new Set<number>();
    for (let i = this.messages.length - 1; i >= 0 && marked.size < RECENT_BREAKPOINTS; i -= 1) {
      if (this.messages[i]!.role === 'user') marked.add(i);
    }
    return this.messages.map((message, i) => {
      if (!marked.has(i) || message.content.length === 0) return message;
      const content = [...message.content];
      const last = content.length - 1;
      content[last] = { ...content[last]!, cache_control: { type: 'ephemeral' } };
      return { ...message, content };
    });
  }
}

/** Every image in user turns, oldest first, top-level or inside a tool result. */
function imageSlots(messages: WireMessage[]): { blocks: Block[]; index: number }[] {
  const slots: { blocks: Block[]; index: number }[] = [];
  for (const message of messages) {
    if (message.role !== 'user') continue;
    message.content.forEach((block, index) => {
      if (block.type === 'image') slots.push({ blocks: message.content, index });
      if (block.type === 'tool_result' && Array.isArray(block['content'])) {
        const inner = block['content'] as Block[];
        inner.forEach((item, i) => {
          if (item.type === 'image') slots.push({ blocks: inner, index: i });
        });
      }
    });
  }
  return slots;
}
