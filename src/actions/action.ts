import { z } from 'zod';

/**
 * The action vocabulary: Anthropic's computer tool verbs, which every model adapter maps into and
 * every desktop performs. Coordinates are `[x, y]` in the frame the model saw; the agent loop maps
 * them to screen pixels before the desktop sees them.
 */

const point = z.tuple([z.number().finite(), z.number().finite()]);
const modifiers = z.string().min(1).max(100);

const clickFields = {
  coordinate: point.optional(),
  text: modifiers.optional(),
};

export const clickKinds = [
  'left_click',
  'right_click',
  'middle_click',
  'double_click',
  'triple_click',
] as const;

export const actionSchema = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('left_click'), ...clickFields }),
  z.strictObject({ action: z.literal('right_click'), ...clickFields }),
  z.strictObject({ action: z.literal('middle_click'), ...clickFields }),
  z.strictObject({ action: z.literal('double_click'), ...clickFields }),
  z.strictObject({ action: z.literal('triple_click'), ...clickFields }),
  z.strictObject({ action: z.literal('mouse_move'), coordinate: point }),
  z.strictObject({
    action: z.literal('left_click_drag'),
    start_coordinate: point.optional(),
    coordinate: point,
    text: modifiers.optional(),
  }),
  z.strictObject({ action: z.literal('left_mouse_down'), coordinate: point.optional() }),
  z.strictObject({ action: z.literal('left_mouse_up'), coordinate: point.optional() }),
  z.strictObject({
    action: z.literal('scroll'),
    coordinate: point.optional(),
    scroll_direction: z.enum(['up', 'down', 'left', 'right']),
    scroll_amount: z.number().int().min(0).max(100).default(3),
    text: modifiers.optional(),
  }),
  z.strictObject({ action: z.literal('type'), text: z.string().max(100_000) }),
  z.strictObject({
    action: z.literal('key'),
    text: z.string().min(1).max(200),
    repeat: z.number().int().min(1).max(100).optional(),
  }),
  z.strictObject({
    action: z.literal('hold_key'),
    text: z.string().min(1).max(200),
    duration: z.number().min(0).max(300),
  }),
  z.strictObject({ action: z.literal('wait'), duration: z.number().min(0).max(300) }),
  z.strictObject({
    action: z.literal('zoom'),
    region: z.tuple([z.number(), z.number(), z.number(), z.number()]),
  }),
  z.strictObject({ action: z.literal('screenshot') }),
  z.strictObject({ action: z.literal('cursor_position') }),
]);

export type Action = z.infer<typeof actionSchema>;
export type ActionName = Action['action'];
export type Point = [number, number];

/** The actions that change what is on the screen, so the loop waits for it to settle after them. */
export function changesScreen(action: Action): boolean {
  return !['screenshot', 'cursor_position', 'zoom', 'wait'].includes(action.action);
}

/** An action in words, for logs, the CLI and the viewer. Typed text is shown by its length only. */
export function describeAction(action: Action): string {
  const at =
    'coordinate' in action && action.coordinate ? ` at (${action.coordinate.join(', ')})` : '';
  switch (action.action) {
    case 'type':
      return `type ${action.text.length} characters`;
    case 'key':
      return `press ${action.text}${action.repeat ? ` ×${action.repeat}` : ''}`;
    case 'hold_key':
      return `hold ${action.text} for ${action.duration}s`;
    case 'wait':
      return `wait ${action.duration}s`;
    case 'scroll':
      return `scroll ${action.scroll_direction} ${action.scroll_amount}${at}`;
    case 'left_click_drag': {
      const from = action.start_coordinate ? ` from (${action.start_coordinate.join(', ')})` : '';
      return `drag${from} to (${action.coordinate.join(', ')})`;
    }
    case 'zoom':
      return `zoom into (${action.region.join(', ')})`;
    default:
      return `${action.action.replaceAll('_', ' ')}${at}`;
  }
}
