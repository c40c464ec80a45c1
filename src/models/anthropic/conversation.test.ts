import { describe, expect, it } from 'vitest';
import { Conversation, type RequestLimits } from './conversation.ts';
import type { Block } from './wire.ts';

/** Small limits, so a few images reach them: 8 images, 4 over 100 px a side, 1000 bytes. */
const limits: RequestLimits = {
  maxImages: 8,
  manyImages: 4,
  manyImagesMaxEdge: 100,
  maxImageBytes: 1_000,
};

const small = { width: 100, height: 60 };
const large = { width: 200, height: 120 };

function image(bytes = 10): Block {
  return {
    type: 'image',
    source: { type: 'base64', media_type: 'image/png', data: 'A'.repeat(bytes) },
  };
}

/** Adds one user turn with a screenshot and prunes as the session does before each request. */
function turn(conversation: Conversation, size = small, bytes = 10): number {
  conversation.push({ role: 'user', content: [image(bytes)] });
  const removed = conversation.prune(size);
  conversation.push({ role: 'assistant', content: [{ type: 'text', text: 'ok' }] });
  return removed;
}

function removals(conversation: Conversation, turns: number, size = small, bytes = 10): number[] {
  return Array.from({ length: turns }, () => turn(conversation, size, bytes));
}

describe('conversation history', () => {
  it('keeps every screenshot until the image count limit, then halves it at once', () => {
    const conversation = new Conversation(
      { keep: 2, pruneBatch: 3 },
      { onlyAtLimits: true, limits },
    );
    expect(removals(conversation, 8)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(conversation.edited).toBe(false);

    expect(turn(conversation)).toBe(5);
    expect(conversation.imageCount()).toBe(4);
    expect(conversation.edited).toBe(true);
  });

  it('allows fewer images once any of them is too large for many', () => {
    const conversation = new Conversation(
      { keep: 2, pruneBatch: 3 },
      { onlyAtLimits: true, limits },
    );
    expect(removals(conversation, 5, large)).toEqual([0, 0, 0, 0, 3]);
    expect(conversation.imageCount()).toBe(2);
  });

  it('prunes at the byte budget of the request body', () => {
    const conversation = new Conversation(
      { keep: 1, pruneBatch: 3 },
      { onlyAtLimits: true, limits },
    );
    expect(removals(conversation, 4, small, 300)).toEqual([0, 0, 0, 3]);
    expect(conversation.imageCount()).toBe(1);
  });

  it('prunes in batches without the rule, and within the limits too', () => {
    const batches = new Conversation({ keep: 2, pruneBatch: 3 }, { limits });
    expect(removals(batches, 8)).toEqual([0, 0, 0, 0, 3, 0, 0, 3]);

    const tooMany = new Conversation({ keep: 6, pruneBatch: 3 }, { limits });
    expect(removals(tooMany, 5, large)).toEqual([0, 0, 0, 0, 3]);
  });
});
