import { describe, expect, it } from 'vitest';
import { ActionError } from '../../errors.ts';
import { keysForCharacter, parseKeySequence } from './key-names.ts';

describe('parseKeySequence', () => {
  it.each([
    ['ctrl+shift+t', [['LeftControl', 'LeftShift', 'T']]],
    ['Return', [['Return']]],
    ['Enter', [['Return']]],
    ['super', [['LeftSuper']]],
    ['Page_Down', [['PageDown']]],
    ['Prior', [['PageUp']]],
    ['F5', [['F5']]],
    ['ctrl+l', [['LeftControl', 'L']]],
    ['ctrl+L', [['LeftControl', 'L']]],
    ['alt+Tab', [['LeftAlt', 'Tab']]],
    ['BackSpace', [['Backspace']]],
    ['KP_5', [['NumPad5']]],
    ['ctrl+plus', [['LeftControl', 'LeftShift', 'Equal']]],
    ['ctrl++', [['LeftControl', 'LeftShift', 'Equal']]],
    ['ctrl+minus', [['LeftControl', 'Minus']]],
    ['A', [['LeftShift', 'A']]],
    ['shift+a', [['LeftShift', 'A']]],
    ['exclam', [['LeftShift', 'Num1']]],
    ['/', [['Slash']]],
    ['ctrl+a Delete', [['LeftControl', 'A'], ['Delete']]],
    ['cmd+space', [['LeftSuper', 'Space']]],
    ['Escape', [['Escape']]],
    ['Up', [['Up']]],
  ])('reads %s', (text, chords) => {
    expect(parseKeySequence(text)).toEqual(chords);
  });

  it('puts modifiers before the key whatever the order written', () => {
    expect(parseKeySequence('t+ctrl+shift')).toEqual([['LeftControl', 'LeftShift', 'T']]);
  });

  it('refuses names it does not know, telling the model what it accepts', () => {
    expect(() => parseKeySequence('ctrl+banana')).toThrow(ActionError);
    expect(() => parseKeySequence('ctrl+banana')).toThrow(/"banana" is not a key name/);
    expect(() => parseKeySequence('  ')).toThrow(ActionError);
  });
});

describe('keysForCharacter', () => {
  it('shifts the characters a US keyboard shifts', () => {
    expect(keysForCharacter('>')).toEqual(['LeftShift', 'Period']);
    expect(keysForCharacter('~')).toEqual(['LeftShift', 'Grave']);
    expect(keysForCharacter('.')).toEqual(['Period']);
    expect(keysForCharacter('é')).toBeNull();
  });
});
