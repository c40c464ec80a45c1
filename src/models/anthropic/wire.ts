/**
 * Messages API content as the adapter keeps it: plain JSON objects, sent back exactly as they
 * came (thinking blocks and their signatures included). The SDK's own param types are a union
 * of every block kind the API knows; the adapter checks the few fields it reads and casts once,
 * where it calls the SDK.
 */
export type Block = Record<string, unknown> & { type: string };

export interface WireMessage {
  role: 'user' | 'assistant';
  content: Block[];
}
