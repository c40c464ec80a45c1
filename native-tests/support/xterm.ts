/**
 * A launch item for an xterm running bash in `cwd`, in a UTF-8 locale (so that bash and xterm
 * take non-ASCII input) and without the user's shell start-up files. It fills a 1280×800 screen's
 * top-left 800×400 or so; clicking inside it gives it the keyboard when no window manager runs.
 */
export function xtermIn(cwd: string): { command: string[] } {
  return {
    command: [
      'env',
      'LANG=C.UTF-8',
      'LC_ALL=C.UTF-8',
      'xterm',
      '-u8',
      '-geometry',
      '100x24+0+0',
      '-e',
      'bash',
      '-c',
      `cd '${cwd.replaceAll("'", `'\\''`)}' && exec bash --norc --noprofile -i`,
    ],
  };
}
