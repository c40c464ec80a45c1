import type { Action, Point } from '../actions/action.ts';
import { ActionError } from '../errors.ts';
import type { Frame, FrameSpec, Size } from './desktop.ts';

/**
 * One place for every mapping between the three spaces a point lives in:
 *
 * - the frame: the screenshot as the model saw it (`Frame.sent`);
 * - the screen: the pixels that the mouse addresses (`Frame.screen`), which on a HiDPI display are
 *   logical pixels, not device pixels;
 * - the image: the device pixels a capture returns, `density` times the screen in each axis.
 *
 * All arithmetic is done on integers, in the order that keeps it exact: floating point would turn
 * 1366 × (1280 / 1366) into 1279.9999 and lose a pixel at the edge.
 */

/** A rectangle as `[left, top, right, bottom]`, right and bottom exclusive. */
export type Region = [number, number, number, number];

/**
 * The size a screen is sent at: the largest aspect-preserving size that fits the spec's box and
 * pixel budget, never larger than the screen itself. Each side is rounded down, so no limit is ever
 * exceeded; the x and y scales may then differ by a fraction of a pixel, which is why every mapping
 * below works per axis.
 */
export function fitInside(
  screen: Size,
  spec: Pick<FrameSpec, 'maxWidth' | 'maxHeight' | 'maxPixels'>,
): Size {
  const { width: w, height: h } = screen;
  const maxWidth = Math.max(1, Math.floor(spec.maxWidth));
  const maxHeight = Math.max(1, Math.floor(spec.maxHeight));
  let width = w;
  if (width > maxWidth) width = maxWidth;
  if (heightFor(width, screen) > maxHeight) width = Math.floor((w * maxHeight) / h);

  const budget = spec.maxPixels;
  if (budget !== undefined && width * heightFor(width, screen) > budget) {
    width = Math.floor(Math.sqrt((budget * w) / h));
    while (width > 1 && width * heightFor(width, screen) > budget) width -= 1;
    while (width < w && (width + 1) * heightFor(width + 1, screen) <= budget) width += 1;
  }

  width = Math.max(1, width);
  return { width, height: width === w ? h : Math.max(1, heightFor(width, screen)) };
}

function heightFor(width: number, screen: Size): number {
  return Math.floor((screen.height * width) / screen.width);
}

/**
 * Maps a point in the frame a model saw to the screen pixel it means. A frame pixel covers a
 * block of screen pixels; the point maps to the screen pixel under the block's centre, so that
 * mapping back gives the same frame pixel. Points outside the frame are the model's mistake and
 * are reported to it, never clamped into a click at the edge.
 */
export function frameToScreen(point: Point, frame: Pick<Frame, 'sent' | 'screen'>): Point {
  const [x, y] = point;
  const { sent, screen } = frame;
  if (!(x >= 0 && y >= 0 && x < sent.width && y < sent.height)) {
    throw new ActionError(
      'coordinate_out_of_bounds',
      `(${x}, ${y}) is outside the screenshot, which is ${sent.width}×${sent.height}; ` +
        `x must be from 0 to ${sent.width - 1} and y from 0 to ${sent.height - 1}`,
    );
  }
  return [mapAxis(x, sent.width, screen.width), mapAxis(y, sent.height, screen.height)];
}

/** Maps a screen pixel to the frame pixel that shows it: the inverse of `frameToScreen`. */
export function screenToFrame(point: Point, frame: Pick<Frame, 'sent' | 'screen'>): Point {
  const { sent, screen } = frame;
  return [
    mapAxis(point[0], screen.width, sent.width),
    mapAxis(point[1], screen.height, sent.height),
  ];
}

/** The pixel of a `to`-wide axis under the centre of pixel `value` of a `from`-wide axis. */
function mapAxis(value: number, from: number, to: number): number {
  // floor((value + 0.5) * to / from), kept in integers when value is one.
  const mapped = Number.isInteger(value)
    ? Math.floor(((2 * value + 1) * to) / (2 * from))
    : Math.floor(((value + 0.5) * to) / from);
  return Math.min(to - 1, Math.max(0, mapped));
}

/**
 * The device-pixel rectangle of a screen region on a display whose captures are `density` times
 * the screen size (2 on a Retina display, 1 on X11). Edges round outwards so the region is whole.
 */
export function regionToImage(region: Region, density: number, image: Size): Region {
  const [left, top, right, bottom] = region;
  return [
    Math.max(0, Math.floor(left * density)),
    Math.max(0, Math.floor(top * density)),
    Math.min(image.width, Math.ceil(right * density)),
    Math.min(image.height, Math.ceil(bottom * density)),
  ];
}

/**
 * Checks a region in screen pixels and puts its corners in order. A region that is empty or leaves
 * the screen is the model's mistake.
 */
export function normalizeRegion(region: Region, screen: Size): Region {
  const [x0, y0, x1, y1] = region.map((value) => Math.round(value)) as Region;
  const left = Math.min(x0, x1);
  const right = Math.max(x0, x1);
  const top = Math.min(y0, y1);
  const bottom = Math.max(y0, y1);
  if (left < 0 || top < 0 || right > screen.width || bottom > screen.height) {
    throw new ActionError(
      'region_out_of_bounds',
      `the region (${region.join(', ')}) leaves the ${screen.width}×${screen.height} screen`,
    );
  }
  if (right - left < 1 || bottom - top < 1) {
    throw new ActionError('region_empty', `the region (${region.join(', ')}) is empty`);
  }
  return [left, top, right, bottom];
}

/** The action with every coordinate it carries mapped from the frame to the screen. */
export function actionToScreen(action: Action, frame: Pick<Frame, 'sent' | 'screen'>): Action {
  const map = (point: Point) => frameToScreen(point, frame);
  switch (action.action) {
    case 'left_click_drag':
      return {
        ...action,
        coordinate: map(action.coordinate),
        ...(action.start_coordinate ? { start_coordinate: map(action.start_coordinate) } : {}),
      };
    case 'zoom':
      return { ...action, region: regionToScreen(action.region, frame) };
    default:
      if ('coordinate' in action && action.coordinate) {
        return { ...action, coordinate: map(action.coordinate) } as Action;
      }
      return action;
  }
}

/**
 * A zoom region `[x0, y0, x1, y1]` of the frame, as the screen rectangle it covers: from the first
 * screen pixel of the top-left frame pixel to the last screen pixel of the bottom-right one. The
 * right and bottom edges may equal the frame's size (a region is exclusive there).
 */
function regionToScreen(region: Region, frame: Pick<Frame, 'sent' | 'screen'>): Region {
  const { sent, screen } = frame;
  const [x0, y0, x1, y1] = region;
  const inside = (v: number, max: number) => v >= 0 && v <= max;
  if (!(inside(x0, sent.width) && inside(x1, sent.width))) throw regionError(region, sent);
  if (!(inside(y0, sent.height) && inside(y1, sent.height))) throw regionError(region, sent);

  const edge = (v: number, from: number, to: number) => Math.round((v * to) / from);
  return [
    edge(Math.min(x0, x1), sent.width, screen.width),
    edge(Math.min(y0, y1), sent.height, screen.height),
    edge(Math.max(x0, x1), sent.width, screen.width),
    edge(Math.max(y0, y1), sent.height, screen.height),
  ];
}

function regionError(region: Region, sent: Size): ActionError {
  return new ActionError(
    'coordinate_out_of_bounds',
    `the region (${region.join(', ')}) leaves the screenshot, ` +
      `which is ${sent.width}×${sent.height}`,
  );
}
