import { describe, expect, it } from 'vitest';
import { words } from './machines.ts';

describe('splitting a --launch command', () => {
  it('splits on whitespace and groups quoted words', () => {
    expect(words(`xterm -T "my term" -e 'sleep 5'`)).toEqual([
      'xterm',
      '-T',
      'my term',
      '-e',
      'sleep 5',
    ]);
  });

  it('keeps a quoted value glued to its flag', () => {
    expect(words('chromium --window-name="a b"')).toEqual(['chromium', '--window-name=a b']);
  });

  it('refuses an unclosed quote and an empty command', () => {
    expect(() => words('xterm "oops')).toThrow(/unclosed/);
    expect(() => words('   ')).toThrow(/needs a command/);
  });
});
