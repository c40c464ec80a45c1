import { SHIFTED, keysForCharacter, type Chord } from './key-names.ts';

/**
 * How a string is typed so that exactly that string arrives. nut-js `keyboard.type` is right only
 * for unshifted US characters: it forgets Shift for `!@#$%^&*_+{}|:"<>?~` and drops or garbles
 * anything outside ASCII (measured in NATIVE.md §3). So a string is cut into steps:
 *
 * - `text`: runs that `keyboard.type` gets right (letters, digits, space, unshifted punctuation);
 * - `chord`: a shifted character as Shift plus its key, and newline and tab as their keys;
 * - `paste`: runs of everything else, delivered through the clipboard.
 */
export type TypingStep =
  { kind: 'text'; text: string } | { kind: 'chord'; keys: Chord } | { kind: 'paste'; text: string };

export function planTyping(text: string): TypingStep[] {
  const steps: TypingStep[] = [];
  // Iterating a string walks code points, so a character outside the BMP stays whole.
  const chars = [...text.replace(/\r\n?/g, '\n')];

  for (const char of chars) {
    const kind = classify(char);
    const last = steps.at(-1);
    if (kind === 'chord') {
      steps.push({ kind: 'chord', keys: chordFor(char) });
    } else if (last && last.kind === kind) {
      last.text += char;
    } else {
      steps.push({ kind, text: char });
    }
  }
  return steps;
}

function classify(char: string): TypingStep['kind'] {
  if (char === '\n' || char === '\t' || SHIFTED[char] !== undefined) return 'chord';
  if (keysForCharacter(char)) return 'text';
  return 'paste';
}

function chordFor(char: string): Chord {
  if (char === '\n') return ['Return'];
  if (char === '\t') return ['Tab'];
  return keysForCharacter(char)!;
}
