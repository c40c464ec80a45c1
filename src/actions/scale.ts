import type { Action, Point } from './action.ts';

/**
 * The action with every coordinate it carries multiplied by `sx` and `sy` and rounded: how a
 * script or a recorded turn written for one frame is moved onto another.
 */
export function scaleAction(action: Action, sx: number, sy: number): Action {
  if (sx === 1 && sy === 1) return action;
  const point = ([x, y]: Point): Point => [Math.round(x * sx), Math.round(y * sy)];

  const scaled: Record<string, unknown> = { ...action };
  if ('coordinate' in action && action.coordinate) scaled['coordinate'] = point(action.coordinate);
  if ('start_coordinate' in action && action.start_coordinate) {
    scaled['start_coordinate'] = point(action.start_coordinate);
  }
  if (action.action === 'zoom') {
    const [x0, y0, x1, y1] = action.region;
    scaled['region'] = [...point([x0, y0]), ...point([x1, y1])];
  }
  return scaled as Action;
}
