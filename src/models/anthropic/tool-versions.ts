import type { FrameSpec, Size } from '../../desktop/desktop.ts';

/** The computer tool generations the adapter speaks, newest first. */
export const toolVersions = [
  'computer_toolset_20260801',
  'computer_20251124',
  'computer_20250124',
] as const;

export type ToolVersion = (typeof toolVersions)[number];

/** The `anthropic-beta` value each beta version needs; the toolset is generally available. */
const BETA_HEADER: Record<ToolVersion, string | null> = {
  computer_toolset_20260801: null,
  computer_20251124: 'computer-use-2025-11-24',
  computer_20250124: 'computer-use-2025-01-24',
};

/**
 * Which versions each model accepts on the Claude API, in the order the adapter tries them.
 * Source: the computer-use tool page (GA copy of 2026-09-26) and the 5.5 "what's new" pages: the
 * 5.5 models take only the toolset; Opus 4.8 / 5, Sonnet 5, Fable and Mythos 5.x take both;
 * Opus 4.5–4.7 and Sonnet 4.6 only `computer_20251124`; the 4.5-and-older rest
 * `computer_20250124`.
 * Matched by prefix, longest first, so dated ids (`claude-haiku-4-5-20251001`) work.
 */
const MODEL_TOOLS: [prefix: string, versions: ToolVersion[]][] = [
  ['claude-haiku-5-5', ['computer_toolset_20260801']],
  ['claude-sonnet-5-5', ['computer_toolset_20260801']],
  ['claude-opus-5-5', ['computer_toolset_20260801']],
  ['claude-fable-5-1', ['computer_toolset_20260801', 'computer_20251124']],
  ['claude-mythos-5-1', ['computer_toolset_20260801', 'computer_20251124']],
  ['claude-fable-5', ['computer_toolset_20260801', 'computer_20251124']],
  ['claude-mythos-5', ['computer_toolset_20260801', 'computer_20251124']],
  ['claude-opus-5', ['computer_toolset_20260801', 'computer_20251124']],
  ['claude-sonnet-5', ['computer_toolset_20260801', 'computer_20251124']],
  ['claude-opus-4-8', ['computer_toolset_20260801', 'computer_20251124']],
  ['claude-opus-4-7', ['computer_20251124']],
  ['claude-opus-4-6', ['computer_20251124']],
  ['claude-sonnet-4-6', ['computer_20251124']],
  ['claude-opus-4-5', ['computer_20251124']],
  ['claude-sonnet-4-5', ['computer_20250124']],
  ['claude-haiku-4-5', ['computer_20250124']],
  ['claude-opus-4-1', ['computer_20250124']],
  ['claude-sonnet-4', ['computer_20250124']],
  ['claude-opus-4', ['computer_20250124']],
  ['claude-3-7-sonnet', ['computer_20250124']],
];

/**
 * Models whose thinking blocks are bound to everything sent before them, so that removing an old
 * screenshot invalidates the thinking that followed it. Source: MODELS.md §1.6 (GA computer-use
 * page, "Manage screenshot history"): on Fable 5.1 and Opus 5.5 keep the history whole, resize
 * to at most 2000 px instead, and prune only when unavoidable, with `drop_block`.
 */
const THINKING_BOUND: string[] = ['claude-fable-5-1', 'claude-opus-5-5'];

/** Models newer than the table (Fable / Mythos 5.2 and later) try every version, newest first. */
const UNKNOWN_MODEL_TOOLS: ToolVersion[] = [...toolVersions];

export interface ModelTools {
  /** Versions to try, best first; a 400 naming the tool type moves to the next one. */
  versions: ToolVersion[];
  /** Image limits the model's screenshots must fit. */
  tier: ImageTier;
  known: boolean;
  /** Thinking is bound to the prompt prefix: screenshots stay until a request limit forces. */
  bindsThinking: boolean;
}

export interface ImageTier {
  maxLongEdge: number;
  maxVisualTokens: number;
}

/** Up to 1568 px and 1568 visual tokens (≈1.15 MP): every model before Opus 4.7. */
export const STANDARD_TIER: ImageTier = { maxLongEdge: 1568, maxVisualTokens: 1568 };
/** Up to 2576 px and 4784 visual tokens (≈3.75 MP): Opus 4.7 and every toolset model. */
export const HIGH_RES_TIER: ImageTier = { maxLongEdge: 2576, maxVisualTokens: 4784 };
/**
 * The high-res tier held to 2000 px a side: a request with more than 20 images is refused when
 * any of them is larger, so a history that is never pruned must stay within this.
 */
export const MANY_IMAGES_TIER: ImageTier = { maxLongEdge: 2000, maxVisualTokens: 4784 };

export function toolsFor(model: string): ModelTools {
  const bindsThinking = THINKING_BOUND.some((prefix) => hasPrefix(model, prefix));
  const entry = longestPrefix(model);
  if (!entry) {
    return { versions: UNKNOWN_MODEL_TOOLS, tier: STANDARD_TIER, known: false, bindsThinking };
  }
  const [prefix, versions] = entry;
  const highRes = versions.includes('computer_toolset_20260801') || prefix === 'claude-opus-4-7';
  let tier = highRes ? HIGH_RES_TIER : STANDARD_TIER;
  if (bindsThinking) tier = MANY_IMAGES_TIER;
  return { versions, tier, known: true, bindsThinking };
}

function longestPrefix(model: string): [string, ToolVersion[]] | null {
  let best: [string, ToolVersion[]] | null = null;
  for (const entry of MODEL_TOOLS) {
    const [prefix] = entry;
    if (hasPrefix(model, prefix) && (!best || prefix.length > best[0].length)) best = entry;
  }
  return best;
}

function hasPrefix(model: string, prefix: string): boolean {
  return model === prefix || model.startsWith(`${prefix}-`);
}

export function betaHeaderFor(version: ToolVersion): string | null {
  return BETA_HEADER[version];
}

export function isToolset(version: ToolVersion): boolean {
  return version === 'computer_toolset_20260801';
}

/**
 * The tool entry for a version. Beta tools declare the display in the frame's own size, so the
 * API never resizes the screenshot and the model's coordinates are frame pixels; the toolset
 * takes no size at all and rejects images over the model's limits, which `frameSpecFor` avoids.
 */
export function computerTool(version: ToolVersion, frame: Size): Record<string, unknown> {
  if (isToolset(version)) return { type: version };
  const tool: Record<string, unknown> = {
    type: version,
    name: 'computer',
    display_width_px: frame.width,
    display_height_px: frame.height,
  };
  if (version === 'computer_20251124') tool['enable_zoom'] = true;
  return tool;
}

/** Visual tokens of an image: one per 28×28 patch, partial patches counted whole. */
export function visualTokens(size: Size): number {
  return Math.ceil(size.width / 28) * Math.ceil(size.height / 28);
}

/**
 * The largest aspect-preserving frame within the tier's edge and token limits, never larger
 * than the screen. The token limit usually binds: 1920×1080 becomes 1456×819 on the standard
 * tier, not 1568×882.
 */
export function claudeFrameSize(screen: Size, tier: ImageTier): Size {
  const fits = (width: number): boolean => {
    const height = Math.max(1, Math.round((width * screen.height) / screen.width));
    return (
      Math.max(width, height) <= tier.maxLongEdge &&
      visualTokens({ width, height }) <= tier.maxVisualTokens
    );
  };
  // Tokens and edges only grow with the width, so the largest fitting width is a binary search.
  let low = 1;
  let high = screen.width;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (fits(mid)) low = mid;
    else high = mid - 1;
  }
  return { width: low, height: Math.max(1, Math.round((low * screen.height) / screen.width)) };
}

export function frameSpecFor(screen: Size, tier: ImageTier): FrameSpec {
  const size = claudeFrameSize(screen, tier);
  return { maxWidth: size.width, maxHeight: size.height, format: 'png' };
}
