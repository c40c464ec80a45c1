import type { Key } from '@nut-tree-fork/nut-js';
import { ActionError } from '../../errors.ts';

/**
 * Key names as models write them (xdotool keysyms: `ctrl+shift+t`, `Return`, `Page_Down`,
 * `super`, `F5`, `KP_Enter`, `plus`, or a single character) turned into nut-js keys. This module
 * only names keys, so it loads without the native library and is tested on its own.
 */

/** The name of a member of nut-js's `Key` enum, such as `LeftControl` or `Num1`. */
export type KeyName = keyof typeof Key;

/** Keys pressed together, modifiers first; a key sequence is a list of chords. */
export type Chord = KeyName[];

const MODIFIERS: Record<string, KeyName> = {
  ctrl: 'LeftControl',
  control: 'LeftControl',
  ctl: 'LeftControl',
  control_l: 'LeftControl',
  lctrl: 'LeftControl',
  control_r: 'RightControl',
  rctrl: 'RightControl',
  shift: 'LeftShift',
  shift_l: 'LeftShift',
  lshift: 'LeftShift',
  shift_r: 'RightShift',
  rshift: 'RightShift',
  alt: 'LeftAlt',
  alt_l: 'LeftAlt',
  option: 'LeftAlt',
  opt: 'LeftAlt',
  meta_l: 'LeftAlt',
  alt_r: 'RightAlt',
  altgr: 'RightAlt',
  iso_level3_shift: 'RightAlt',
  super: 'LeftSuper',
  super_l: 'LeftSuper',
  win: 'LeftSuper',
  windows: 'LeftSuper',
  meta: 'LeftSuper',
  cmd: 'LeftSuper',
  command: 'LeftSuper',
  logo: 'LeftSuper',
  super_r: 'RightSuper',
};

const NAMED_KEYS: Record<string, KeyName> = {
  return: 'Return',
  enter: 'Return',
  kp_enter: 'Return',
  linefeed: 'Return',
  tab: 'Tab',
  iso_left_tab: 'Tab',
  escape: 'Escape',
  esc: 'Escape',
  backspace: 'Backspace',
  back_space: 'Backspace',
  delete: 'Delete',
  del: 'Delete',
  kp_delete: 'Delete',
  insert: 'Insert',
  ins: 'Insert',
  home: 'Home',
  kp_home: 'Home',
  end: 'End',
  kp_end: 'End',
  page_up: 'PageUp',
  pageup: 'PageUp',
  prior: 'PageUp',
  pgup: 'PageUp',
  kp_prior: 'PageUp',
  page_down: 'PageDown',
  pagedown: 'PageDown',
  next: 'PageDown',
  pgdn: 'PageDown',
  kp_next: 'PageDown',
  up: 'Up',
  arrowup: 'Up',
  kp_up: 'Up',
  down: 'Down',
  arrowdown: 'Down',
  kp_down: 'Down',
  left: 'Left',
  arrowleft: 'Left',
  kp_left: 'Left',
  right: 'Right',
  arrowright: 'Right',
  kp_right: 'Right',
  space: 'Space',
  spacebar: 'Space',
  caps_lock: 'CapsLock',
  capslock: 'CapsLock',
  num_lock: 'NumLock',
  numlock: 'NumLock',
  scroll_lock: 'ScrollLock',
  print: 'Print',
  printscreen: 'Print',
  sys_req: 'Print',
  menu: 'Menu',
  kp_add: 'Add',
  kp_subtract: 'Subtract',
  kp_multiply: 'Multiply',
  kp_divide: 'Divide',
  kp_decimal: 'Decimal',
  kp_equal: 'NumPadEqual',
  xf86audiomute: 'AudioMute',
  xf86audiolowervolume: 'AudioVolDown',
  xf86audioraisevolume: 'AudioVolUp',
  xf86audioplay: 'AudioPlay',
  xf86audiostop: 'AudioStop',
  xf86audiopause: 'AudioPause',
  xf86audioprev: 'AudioPrev',
  xf86audionext: 'AudioNext',
};

/** Characters that sit unshifted on a US keyboard, by the key that carries them. */
const UNSHIFTED: Record<string, KeyName> = {
  '-': 'Minus',
  '=': 'Equal',
  '[': 'LeftBracket',
  ']': 'RightBracket',
  '\\': 'Backslash',
  ';': 'Semicolon',
  "'": 'Quote',
  ',': 'Comma',
  '.': 'Period',
  '/': 'Slash',
  '`': 'Grave',
  ' ': 'Space',
};

/** Characters typed with Shift on a US keyboard, by the key that carries them. */
export const SHIFTED: Readonly<Record<string, KeyName>> = {
  '!': 'Num1',
  '@': 'Num2',
  '#': 'Num3',
  $: 'Num4',
  '%': 'Num5',
  '^': 'Num6',
  '&': 'Num7',
  '*': 'Num8',
  '(': 'Num9',
  ')': 'Num0',
  _: 'Minus',
  '+': 'Equal',
  '{': 'LeftBracket',
  '}': 'RightBracket',
  '|': 'Backslash',
  ':': 'Semicolon',
  '"': 'Quote',
  '<': 'Comma',
  '>': 'Period',
  '?': 'Slash',
  '~': 'Grave',
};

/** xdotool's keysym names of punctuation, as the character they type. */
const KEYSYM_CHARACTERS: Record<string, string> = {
  minus: '-',
  equal: '=',
  bracketleft: '[',
  bracketright: ']',
  backslash: '\\',
  semicolon: ';',
  apostrophe: "'",
  quoteright: "'",
  comma: ',',
  period: '.',
  slash: '/',
  grave: '`',
  quoteleft: '`',
  exclam: '!',
  at: '@',
  numbersign: '#',
  dollar: '$',
  percent: '%',
  asciicircum: '^',
  ampersand: '&',
  asterisk: '*',
  parenleft: '(',
  parenright: ')',
  underscore: '_',
  plus: '+',
  braceleft: '{',
  braceright: '}',
  bar: '|',
  colon: ':',
  quotedbl: '"',
  less: '<',
  greater: '>',
  question: '?',
  asciitilde: '~',
};

/** The key (and Shift, when needed) that types one printable ASCII character on a US layout. */
export function keysForCharacter(char: string): Chord | null {
  if (/^[a-z]$/.test(char)) return [char.toUpperCase() as KeyName];
  if (/^[A-Z]$/.test(char)) return ['LeftShift', char as KeyName];
  if (/^[0-9]$/.test(char)) return [`Num${char}` as KeyName];
  const unshifted = UNSHIFTED[char];
  if (unshifted) return [unshifted];
  const shifted = SHIFTED[char];
  if (shifted) return ['LeftShift', shifted];
  return null;
}

/**
 * Parses what a model put in a `key` or `hold_key` action: one chord (`ctrl+shift+t`) or several
 * separated by spaces (`ctrl+a Delete`), as xdotool reads them.
 */
export function parseKeySequence(text: string): Chord[] {
  const chords = text.trim().split(/\s+/).filter(Boolean);
  if (chords.length === 0) throw unknownKey(text);
  return chords.map(parseChord);
}

function parseChord(chord: string): Chord {
  // `ctrl++` and `+` name the plus key: split only on a `+` that has something after it.
  const names = chord.split(/\+(?=.)/);
  const keys: KeyName[] = [];
  const hasCommandModifier = names.slice(0, -1).some((name) => {
    const modifier = MODIFIERS[name.toLowerCase()];
    return modifier !== undefined && modifier !== 'LeftShift' && modifier !== 'RightShift';
  });

  for (const [index, name] of names.entries()) {
    const last = index === names.length - 1;
    for (const key of keysForName(name, last && hasCommandModifier)) {
      if (!keys.includes(key)) keys.push(key);
    }
  }
  // Modifiers first, in the order given, so that Shift is down before the key it shifts.
  return [...keys.filter(isModifier), ...keys.filter((key) => !isModifier(key))];
}

/**
 * The keys for one name. With a command modifier (ctrl, alt, super) a capital letter means the
 * letter's key (`ctrl+C` is copy), as xdotool users write it; alone, `A` types a capital A.
 */
function keysForName(name: string, caseless: boolean): KeyName[] {
  const lower = name.toLowerCase();
  const modifier = MODIFIERS[lower];
  if (modifier) return [modifier];
  const named = NAMED_KEYS[lower];
  if (named) return [named];

  const fn = /^f([1-9]|1[0-9]|2[0-4])$/.exec(lower);
  if (fn) return [`F${fn[1]}` as KeyName];
  const keypad = /^kp_([0-9])$/.exec(lower);
  if (keypad) return [`NumPad${keypad[1]}` as KeyName];

  const char = name.length === 1 ? name : KEYSYM_CHARACTERS[lower];
  if (char !== undefined) {
    const keys = keysForCharacter(caseless ? char.toLowerCase() : char);
    if (keys) return keys;
  }
  throw unknownKey(name);
}

function isModifier(key: KeyName): boolean {
  return Object.values(MODIFIERS).includes(key);
}

function unknownKey(name: string): ActionError {
  return new ActionError(
    'unknown_key',
    `"${name}" is not a key name deskpilot knows; use xdotool names such as ctrl+l, Return, ` +
      'Page_Down, super, F5, or a single character',
  );
}
