import type { Size } from '../../desktop/desktop.ts';
import type { Block, WireMessage } from './wire.ts';

export interface ScreenshotHistory {
  /** The newest screenshots that always stay in the conversation. */
  keep: number;
  /** Older screenshots are removed this many at a time. */
  pruneBatch: number;
}

/** What one Messages request may hold (MODELS.md §1.5, from the vision and errors docs). */
export interface RequestLimits {
  maxImages: number;
  /** Past this many images, no image may have a side over `manyImagesMaxEdge`. */
  manyImages: number;
  manyImagesMaxEdge: number;
  /** Base64 characters of all images together. */
  maxImageBytes: number;
}

export const API_LIMITS: RequestLimits = {
  maxImages: 600,
  manyImages: 20,
  manyImagesMaxEdge: 2000,
  // The body may be 32 MB; the rest is left for text, tool calls, the system prompt and tools.
  maxImageBytes: 30 * 1024 * 1024,
};

export interface ConversationOptions {
  /**
   * Prune only when a request would break `limits`, for models whose thinking is bound to the
   * prompt prefix: each removal invalidates every thinking block after it.
   */
  onlyAtLimits?: boolean;
  limits?: RequestLimits;
}

const PRUNED = '(an older screenshot, removed to keep the conversation short)';

/** Up to four breakpoints per request: one after the system prompt, three on recent turns. */
const RECENT_BREAKPOINTS = 3;

/**
 * The conversation of one session, in the Messages API's shape. Old screenshots are replaced
 * by a short note in batches: removing one changes the prompt prefix and so the cache, and
 * doing it once every `pruneBatch` turns instead of every turn keeps most calls on cached reads.
 * Whatever the rule, a request never goes out over the API's image limits.
 */
export class Conversation {
  readonly messages: WireMessage[] = [];
  readonly #history: ScreenshotHistory;
  readonly #onlyAtLimits: boolean;
  readonly #limits: RequestLimits;
  #largestEdge = 0;
  #edited = false;

  constructor(history: ScreenshotHistory, options: ConversationOptions = {}) {
    this.#history = history;
    this.#onlyAtLimits = options.onlyAtLimits ?? false;
    this.#limits = options.limits ?? API_LIMITS;
  }

  /** True once any screenshot was removed, so the prompt no longer is what the model saw. */
  get edited(): boolean {
    return this.#edited;
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

  /**
   * Removes old screenshots before a request whose newest screenshot is `newest`: in batches
   * once enough have gathered, or, with `onlyAtLimits`, only when the request would break the
   * API's limits. Returns how many went.
   */
  prune(newest: Size): number {
    this.#largestEdge = Math.max(this.#largestEdge, newest.width, newest.height);
    const batch = this.#onlyAtLimits ? 0 : this.#batchToRemove();
    const removed = batch > 0 ? this.#removeOldest(batch) : 0;
    return removed + this.#pruneToLimits();
  }

  /** Keeps only the newest `keep` screenshots, whatever the batch; for a full context window. */
  pruneHard(keep: number): number {
    return this.#removeOldest(Math.max(0, this.imageCount() - keep));
  }

  #batchToRemove(): number {
    const { keep, pruneBatch } = this.#history;
    const excess = this.imageCount() - keep;
    return Math.floor(excess / pruneBatch) * pruneBatch;
  }

  /**
   * Over a limit, removes the oldest screenshots until the request is within half of every
   * limit: each removal busts the cache (and, on some models, the thinking after it), so when
   * one must happen it makes room for about as many turns again.
   */
  #pruneToLimits(): number {
    if (this.#fits(1)) return 0;
    // The limits win over `keep`, since the API refuses the request otherwise; the newest stays.
    const removable = imageSlots(this.messages).length - 1;
    let removed = 0;
    while (removed < removable && !this.#fits(0.5)) removed += this.#removeOldest(1);
    return removed;
  }

  #fits(share: number): boolean {
    const limits = this.#limits;
    const large = this.#largestEdge > limits.manyImagesMaxEdge;
    const maxImages = large ? limits.manyImages : limits.maxImages;
    const images = imageSlots(this.messages);
    const bytes = images.reduce((sum, slot) => sum + imageBytes(slot.blocks[slot.index]!), 0);
    return images.length <= maxImages * share && bytes <= limits.maxImageBytes * share;
  }

  #removeOldest(count: number): number {
    const slots = imageSlots(this.messages).slice(0, count);
    for (const { blocks, index } of slots) blocks[index] = { type: 'text', text: PRUNED };
    if (slots.length > 0) this.#edited = true;
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

function imageBytes(block: Block): number {
  const source = block['source'] as { data?: unknown } | undefined;
  return typeof source?.data === 'string' ? source.data.length : 0;
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
