import { describe, expect, it } from 'vitest';
import { age, bar, cost, duration, oneLine, table } from './format.ts';

describe('output formats', () => {
  it('writes durations as a clock', () => {
    expect(duration(7_400)).toBe('0:07');
    expect(duration(750_000)).toBe('12:30');
    expect(duration(3_723_000)).toBe('1:02:03');
  });

  it('writes ages in the largest unit that fits', () => {
    const now = Date.parse('2026-01-02T00:00:00Z');
    expect(age('2026-01-01T23:59:55Z', now)).toBe('5s');
    expect(age('2026-01-01T23:57:00Z', now)).toBe('3m');
    expect(age('2025-12-29T00:00:00Z', now)).toBe('4d');
  });

  it('writes costs to a hundredth of a cent', () => {
    expect(cost(0.01234)).toBe('$0.0123');
  });

  it('draws a progress bar that never overflows', () => {
    expect(bar(5, 10, 10)).toBe('▕█████░░░░░▏');
    expect(bar(50, 10, 4)).toBe('▕████▏');
  });

  it('folds text onto one line and cuts it with an ellipsis', () => {
    expect(oneLine('a\n  b', 10)).toBe('a b');
    expect(oneLine('abcdefghij', 5)).toBe('abcd…');
  });

  it('aligns columns under their header', () => {
    expect(
      table(
        ['ID', 'STATE'],
        [
          ['run_1', 'ok'],
          ['r', 'failed'],
        ],
      ),
    ).toBe('ID     STATE\nrun_1  ok\nr      failed');
  });
});
