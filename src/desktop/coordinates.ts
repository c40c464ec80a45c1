import type { Action, Point } from '../actions/action.ts';
import { ActionError } from '../errors.ts';
import type { Frame, FrameSpec, Size } from './desktop.ts';

/**
 * The size a screen is sent at: the largest aspect-preserving size that fits the spec's box and
 * pixel budget, never larger than the screen itself.
 */
export function fitInside(
  screen: Size,
  spec: Pick<FrameSpec, 'maxWidth' | 'maxHeight' | 'maxPixels'>,
): Size {
  let scale = Math.min(1, spec.maxWidth / screen.width, spec.maxHeight / screen.height);
  if (spec.maxPixels !== undefined) {
    scale = Math.min(scale, Math.sqrt(spec.maxPixels / (screen.width * screen.height)));
  }
  // Floor so that the result never exceeds a limit; a zero-sized side is never useful.
  const width = Math.max(1, Math.floor(screen.width * scale));
  const height = Math.max(1, Math.floor(screen.height * scale));
  return { width, height };
}

/** Maps a point in the frame a model saw to the screen pixel it means. */
export function frameToScreen(point: Point, frame: Pick<Frame, 'sent' | 'screen'>): Point {
  const [x, y] = point;
  if (x < 0 || y < 0 || x >= frame.sent.width || y >= frame.sent.height) {
    throw new ActionError(
      'coordinate_out_of_bounds',
      `(${x}, ${y}) is outside the screenshot, which is ${frame.sent.width}×${frame.sent.height}`,
    );
  }
  // Pixel centres map to pixel centres, so every sent pixel lands inside the screen area it covers.
  const sx = Math.floor(((x + 0.5) * frame.screen.width) / frame.sent.width);
  const sy = Math.floor(((y + 0.5) * frame.screen.height) / frame.sent.height);
  return [clamp(sx, frame.screen.width), clamp(sy, frame.screen.height)];
}

/** Maps a screen pixel to the frame's coordinates: the inverse of `frameToScreen`. */
export function screenToFrame(point: Point, frame: Pick<Frame, 'sent' | 'screen'>): Point {
  const fx = Math.floor(((point[0] + 0.5) * frame.sent.width) / frame.screen.width);
  const fy = Math.floor(((point[1] + 0.5) * frame.sent.height) / frame.screen.height);
  return [clamp(fx, frame.sent.width), clamp(fy, frame.sent.height)];
}

function clamp(value: number, size: number): number {
  return Math.min(size - 1, Math.max(0, value));
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
    case 'zoom': {
      const [x0, y0] = map([action.region[0], action.region[1]]);
      const [x1, y1] = map([
        Math.min(action.region[2], frame.sent.width - 1),
        Math.min(action.region[3], frame.sent.height - 1),
      ]);
      return { ...action, region: [x0, y0, x1 + 1, y1 + 1] };
    }
    default:
      if ('coordinate' in action && action.coordinate) {
        return { ...action, coordinate: map(action.coordinate) } as Action;
      }
      return action;
  }
}
