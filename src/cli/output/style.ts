import type { RunState } from '../../runs/run.ts';

/** Colour only for a terminal that wants it (https://no-color.org). */
function useColor(stream: NodeJS.WriteStream): boolean {
  return Boolean(stream.isTTY) && !process.env['NO_COLOR'] && process.env['TERM'] !== 'dumb';
}

const colorOut = useColor(process.stdout);

function paint(code: string): (text: string) => string {
  return (text) => (colorOut ? `\u001b[${code}m${text}\u001b[0m` : text);
}

export const style = {
  bold: paint('1'),
  dim: paint('2'),
  red: paint('31'),
  green: paint('32'),
  yellow: paint('33'),
  cyan: paint('36'),
};

const stateStyle: Record<RunState, (text: string) => string> = {
  queued: style.dim,
  running: style.cyan,
  awaiting_human: style.yellow,
  succeeded: style.green,
  failed: style.red,
  cancelled: style.yellow,
  timed_out: style.red,
};

/** A run state, coloured by how it went. */
export function stateText(state: RunState): string {
  return stateStyle[state](state);
}
