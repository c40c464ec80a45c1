import type { Point } from '../../actions/action.ts';
import type { Size } from '../../desktop/desktop.ts';

/**
 * The action formats of open computer-use models, each with the coordinate space its model
 * answers in (MODELS.md §4):
 * - UI-TARS 1.5 and Qwen2.5-VL: absolute pixels of the image after the server's smart resize;
 * - UI-TARS 1.0 and Qwen3-VL: relative, 0–1000 on both axes.
 */
export type FormatName = 'ui-tars-1.5' | 'ui-tars-1.0' | 'qwen2.5-vl' | 'qwen3-vl';

export const formatNames: readonly FormatName[] = [
  'ui-tars-1.5',
  'ui-tars-1.0',
  'qwen2.5-vl',
  'qwen3-vl',
];

interface ResizeBounds {
  factor: number;
  minPixels: number;
  maxPixels: number;
}

/** UI-TARS 1.5 as its desktop SDK resizes: patches of 28, 100 to 16384 patches. */
const UI_TARS_15: ResizeBounds = {
  factor: 28,
  minPixels: 100 * 28 * 28,
  maxPixels: 16384 * 28 * 28,
};
/** Qwen2.5-VL as its computer-use cookbook resizes. */
const QWEN_25: ResizeBounds = { factor: 28, minPixels: 3136, maxPixels: 12_845_056 };

/**
 * Which format a model name speaks, from its name (`ui-tars-1.5-7b`, `qwen2.5vl:7b`,
 * `Qwen/Qwen3-VL-8B-Instruct`), or from an explicit `#format` suffix for names that say nothing.
 */
export function formatFor(model: string): { format: FormatName; served: string } | null {
  const hash = model.lastIndexOf('#');
  if (hash > 0) {
    const named = model.slice(hash + 1).toLowerCase() as FormatName;
    return formatNames.includes(named) ? { format: named, served: model.slice(0, hash) } : null;
  }
  const name = model.toLowerCase();
  if (/ui-?tars/.test(name)) {
    // UI-TARS 1.0 (the 2b/7b/72b SFT and DPO releases) spoke 0–1000; 1.5 and later speak pixels.
    const v1 = /ui-?tars-?(v?1\.0|2b|7b|72b)(?![.\d])/.test(name) && !/1\.5/.test(name);
    return { format: v1 ? 'ui-tars-1.0' : 'ui-tars-1.5', served: model };
  }
  if (/qwen3[-_.]?vl/.test(name)) return { format: 'qwen3-vl', served: model };
  if (/qwen2[._]?5[-_]?vl/.test(name)) return { format: 'qwen2.5-vl', served: model };
  return null;
}

/** Maps a model's point into the frame that was sent, in that frame's pixels. */
export type ToFrame = (point: Point) => Point;

export function coordinateMapper(format: FormatName, sent: Size): ToFrame {
  if (format === 'ui-tars-1.0' || format === 'qwen3-vl') {
    return ([x, y]) => [
      fit((x / 1000) * sent.width, sent.width),
      fit((y / 1000) * sent.height, sent.height),
    ];
  }
  const resized = smartResize(sent, format === 'ui-tars-1.5' ? UI_TARS_15 : QWEN_25);
  return ([x, y]) => [
    fit((x * sent.width) / resized.width, sent.width),
    fit((y * sent.height) / resized.height, sent.height),
  ];
}

/** The screen size the model is told, where it answers in absolute pixels. */
export function modelScreenSize(format: FormatName, sent: Size): Size {
  if (format === 'qwen2.5-vl') return smartResize(sent, QWEN_25);
  if (format === 'ui-tars-1.5') return smartResize(sent, UI_TARS_15);
  return { width: 1000, height: 1000 };
}

/**
 * Rounds to a frame pixel. A point on the far edge of the model's space (1000 of 1000) is the
 * last pixel, not one past it; anything further out is left for the loop to refuse.
 */
function fit(value: number, size: number): number {
  const rounded = Math.round(value);
  return rounded === size ? size - 1 : rounded;
}

/**
 * The size a Qwen-VL-family server resizes an image to: each side to a multiple of the patch
 * factor, scaled down when over the pixel budget and up when under it, aspect kept.
 */
export function smartResize(size: Size, bounds: ResizeBounds): Size {
  const { factor, minPixels, maxPixels } = bounds;
  let height = Math.max(factor, roundHalfEven(size.height / factor) * factor);
  let width = Math.max(factor, roundHalfEven(size.width / factor) * factor);
  if (height * width > maxPixels) {
    const beta = Math.sqrt((size.height * size.width) / maxPixels);
    height = Math.max(factor, Math.floor(size.height / beta / factor) * factor);
    width = Math.max(factor, Math.floor(size.width / beta / factor) * factor);
  } else if (height * width < minPixels) {
    const beta = Math.sqrt(minPixels / (size.height * size.width));
    height = Math.ceil((size.height * beta) / factor) * factor;
    width = Math.ceil((size.width * beta) / factor) * factor;
  }
  return { width, height };
}

/** Python's `round`, which the servers' resize uses: halves go to the even neighbour. */
function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const diff = value - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** `ctrl c`, `Ctrl+C` or `['ctrl', 'c']` as the action vocabulary's `ctrl+c`. */
export function keyCombo(keys: string | string[]): string {
  const parts = Array.isArray(keys) ? keys : keys.trim().split(/\s+|\+(?=.)/);
  // Names keep their case: the desktop reads `Return`, `enter` and `F5` alike.
  return parts
    .map((part) => part.trim())
    .filter(Boolean)
    .join('+');
}
