import { describe, expect, it } from 'vitest';
import { planTyping } from './typing-plan.ts';

describe('planTyping', () => {
  it('types plain runs, shifts punctuation and pastes what is not ASCII', () => {
    expect(planTyping('echo Grüße, $HOME > out.txt\n')).toEqual([
      { kind: 'text', text: 'echo Gr' },
      { kind: 'paste', text: 'üß' },
      { kind: 'text', text: 'e, ' },
      { kind: 'chord', keys: ['LeftShift', 'Num4'] },
      { kind: 'text', text: 'HOME ' },
      { kind: 'chord', keys: ['LeftShift', 'Period'] },
      { kind: 'text', text: ' out.txt' },
      { kind: 'chord', keys: ['Return'] },
    ]);
  });

  it('keeps characters outside the basic plane whole and reads CRLF as one newline', () => {
    expect(planTyping('a😀b\r\nc\td')).toEqual([
      { kind: 'text', text: 'a' },
      { kind: 'paste', text: '😀' },
      { kind: 'text', text: 'b' },
      { kind: 'chord', keys: ['Return'] },
      { kind: 'text', text: 'c' },
      { kind: 'chord', keys: ['Tab'] },
      { kind: 'text', text: 'd' },
    ]);
  });

  it('loses no character of any string', () => {
    const text = `echo 'Grüße, 東京! $HOME <a href="x">&amp;</a> ~\`|' > out.txt`;
    const typed = planTyping(text)
      .map((step) => (step.kind === 'chord' ? `<${step.keys.join('+')}>` : step.text))
      .join('');
    expect(typed).toBe(
      "echo 'Gr" +
        'üß' +
        'e, ' +
        '東京' +
        '<LeftShift+Num1> <LeftShift+Num4>HOME <LeftShift+Comma>a href=<LeftShift+Quote>x' +
        '<LeftShift+Quote><LeftShift+Period><LeftShift+Num7>amp;<LeftShift+Comma>/a' +
        "<LeftShift+Period> <LeftShift+Grave>`<LeftShift+Backslash>' <LeftShift+Period> out.txt",
    );
  });
});
