import { s } from './dom.js';

// Draws a step's actions on its screenshot, in the coordinates of the frame the model saw: the
// SVG's viewBox is that frame, so the drawing stays in place at any size the image is shown.

const clickKinds = ['left_click', 'right_click', 'middle_click', 'double_click', 'triple_click'];

export function drawOverlay(frame, actions, pointerBefore = null) {
  const unit = Math.max(frame.width, frame.height) / 100;
  const svg = s('svg', {
    class: 'overlay',
    viewBox: `0 0 ${frame.width} ${frame.height}`,
    preserveAspectRatio: 'none',
    'aria-hidden': 'true',
  });
  svg.append(arrowHead());

  let pointer = pointerBefore;
  let labels = 0;
  for (const entry of actions) {
    if (!entry) continue;
    const drawn = drawAction(entry, { unit, frame, pointer, labels });
    if (drawn.node) svg.append(drawn.node);
    if (drawn.pointer) pointer = drawn.pointer;
    if (drawn.label) labels += 1;
  }
  return svg;
}

function drawAction(entry, context) {
  const action = entry.action;
  const number = entry.index + 1;
  const failed = entry.status === 'error' ? ' failed' : '';
  const at = action.coordinate;

  if (clickKinds.includes(action.action) && at) {
    return {
      node: clickMarker(at, number, `${action.action}${failed}`, context.unit),
      pointer: at,
    };
  }
  if (action.action === 'left_click_drag') {
    const from = action.start_coordinate ?? context.pointer;
    return { node: dragPath(from, at, number, failed, context.unit), pointer: at };
  }
  if (['mouse_move', 'left_mouse_down', 'left_mouse_up'].includes(action.action) && at) {
    return {
      node: pointMarker(at, number, `${action.action}${failed}`, context.unit),
      pointer: at,
    };
  }
  if (action.action === 'scroll') {
    const point = at ?? context.pointer ?? [context.frame.width / 2, context.frame.height / 2];
    return { node: scrollArrow(point, action.scroll_direction, number, failed, context.unit) };
  }
  if (action.action === 'type' || action.action === 'key' || action.action === 'hold_key') {
    const words = action.action === 'type' ? `“${clip(action.text, 48)}”` : action.text;
    const text = `⌨ ${words}`;
    return { node: textLabel(text, number, failed, context), label: true };
  }
  if (action.action === 'zoom') {
    const [x0, y0, x1, y1] = action.region;
    const box = { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
    return {
      node: s('rect', { class: `mark zoom${failed}`, ...box, 'stroke-width': context.unit * 0.3 }),
    };
  }
  return {};
}

function clickMarker([x, y], number, kind, unit) {
  const group = s('g', { class: `mark click ${kind}`, 'data-x': x, 'data-y': y });
  group.append(
    s('circle', { class: 'halo', cx: x, cy: y, r: unit * 2.2 }),
    s('circle', { class: 'ring', cx: x, cy: y, r: unit * 1.4, 'stroke-width': unit * 0.35 }),
    s('circle', { class: 'dot', cx: x, cy: y, r: unit * 0.35 }),
  );
  if (kind.startsWith('double_click') || kind.startsWith('triple_click')) {
    group.append(
      s('circle', { class: 'ring', cx: x, cy: y, r: unit * 2, 'stroke-width': unit * 0.25 }),
    );
  }
  group.append(badge(x + unit * 1.9, y - unit * 1.9, number, unit));
  return group;
}

function pointMarker([x, y], number, kind, unit) {
  return s(
    'g',
    { class: `mark point ${kind}`, 'data-x': x, 'data-y': y },
    s('circle', { class: 'ring', cx: x, cy: y, r: unit * 0.8, 'stroke-width': unit * 0.25 }),
    badge(x + unit * 1.4, y - unit * 1.4, number, unit),
  );
}

function dragPath(from, to, number, failed, unit) {
  const group = s('g', { class: `mark drag${failed}`, 'data-x': to[0], 'data-y': to[1] });
  if (from) {
    group.append(
      s('circle', { class: 'dot', cx: from[0], cy: from[1], r: unit * 0.6 }),
      s('line', {
        class: 'path',
        x1: from[0],
        y1: from[1],
        x2: to[0],
        y2: to[1],
        'stroke-width': unit * 0.4,
        'marker-end': 'url(#arrow)',
      }),
    );
  }
  group.append(
    s('circle', { class: 'ring', cx: to[0], cy: to[1], r: unit * 1.2, 'stroke-width': unit * 0.3 }),
    badge(to[0] + unit * 1.7, to[1] - unit * 1.7, number, unit),
  );
  return group;
}

const directions = { up: [0, -1], down: [0, 1], left: [-1, 0], right: [1, 0] };

function scrollArrow([x, y], direction, number, failed, unit) {
  const [dx, dy] = directions[direction] ?? [0, 1];
  const length = unit * 6;
  return s(
    'g',
    { class: `mark scroll${failed}`, 'data-x': x, 'data-y': y },
    s('circle', { class: 'dot', cx: x, cy: y, r: unit * 0.6 }),
    s('line', {
      class: 'path',
      x1: x,
      y1: y,
      x2: x + dx * length,
      y2: y + dy * length,
      'stroke-width': unit * 0.5,
      'marker-end': 'url(#arrow)',
    }),
    badge(x + unit * 1.4, y - unit * 1.4, number, unit),
  );
}

/** A caption for typed text and keys, under the last place the pointer went, else bottom left. */
function textLabel(text, number, failed, { unit, frame, pointer, labels }) {
  const size = unit * 1.9;
  const width = Math.min(frame.width - unit * 2, size * 0.62 * text.length + size * 2.4);
  const height = size * 1.8;
  // Under the pointer, later captions go further down; in the corner, they stack upwards.
  const shift = labels * (height + unit * 0.5);
  const anchorX = pointer ? pointer[0] - width / 2 : unit;
  const anchorY = pointer ? pointer[1] + unit * 3 + shift : frame.height - unit - height - shift;
  const x = clamp(anchorX, unit, frame.width - width - unit);
  const y = clamp(anchorY, unit, frame.height - height - unit);

  return s(
    'g',
    { class: `mark text${failed}` },
    s('rect', { class: 'label-box', x, y, width, height, rx: size * 0.35 }),
    badge(x + size * 0.9, y + height / 2, number, unit * 0.8),
    s(
      'text',
      {
        class: 'label-text',
        x: x + size * 2,
        y: y + height / 2,
        'font-size': size,
        'dominant-baseline': 'central',
      },
      text,
    ),
  );
}

function badge(x, y, number, unit) {
  return s(
    'g',
    { class: 'badge' },
    s('circle', { cx: x, cy: y, r: unit * 1.1 }),
    s(
      'text',
      { x, y, 'font-size': unit * 1.4, 'text-anchor': 'middle', 'dominant-baseline': 'central' },
      String(number),
    ),
  );
}

function arrowHead() {
  return s(
    'defs',
    {},
    s(
      'marker',
      {
        id: 'arrow',
        viewBox: '0 0 10 10',
        refX: 8,
        refY: 5,
        markerWidth: 4,
        markerHeight: 4,
        orient: 'auto-start-reverse',
      },
      s('path', { class: 'arrow-head', d: 'M 0 0 L 10 5 L 0 10 z' }),
    ),
  );
}

function clip(text, max) {
  const flat = text.replace(/\n/g, '⏎');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function clamp(value, low, high) {
  return Math.max(low, Math.min(value, high));
}
