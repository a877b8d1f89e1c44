import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fitWidth, outputWidth } from './fit-width.js';

describe('fitWidth', () => {
  it('leaves lines that fit alone and wraps a long one with a deeper indent', () => {
    const long = `  v1 on pc-2.3: ${Array.from({ length: 30 }, (_, i) => `item${i}`).join('; ')}`;
    const text = fitWidth(`short\n${long}`, 40);
    const lines = text.split('\n');
    expect(lines[0]).toBe('short');
    expect(lines.length).toBeGreaterThan(3);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(40);
    for (const l of lines.slice(2)) expect(l.startsWith('    ')).toBe(true);
    expect(text.replace(/\s+/g, ' ')).toBe(`short ${long}`.replace(/\s+/g, ' '));
  });

  it('keeps every word, in order, and fits every line that has a space to break at', () => {
    const word = fc.stringMatching(/^[a-z›[\]0-9]{1,12}$/);
    fc.assert(
      fc.property(fc.array(word, { maxLength: 60 }), fc.integer({ min: 40, max: 120 }), (words, width) => {
        const line = words.join(' ');
        const out = fitWidth(line, width);
        expect(out.split(/\s+/).filter(Boolean)).toEqual(words);
        for (const l of out.split('\n')) expect(l.length).toBeLessThanOrEqual(width);
      }),
    );
  });

  it('counts colour sequences as no columns', () => {
    const red = (s: string) => `\u001b[31m${s}\u001b[39m`;
    const fits = `  ${red('error  ')} ${'x'.repeat(88)}`;
    expect(fitWidth(fits, 100)).toBe(fits);
    const long = `  ${red('warning')} ${Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ')}`;
    const lines = fitWidth(long, 60).split('\n');
    expect(lines.length).toBeGreaterThan(2);
    for (const l of lines)
      expect(l.replaceAll('\u001b[31m', '').replaceAll('\u001b[39m', '').length).toBeLessThanOrEqual(60);
  });

  it('is 100 columns when not a terminal, the terminal width when it is', () => {
    expect(outputWidth({ isTTY: false, columns: 200 })).toBe(100);
    expect(outputWidth({ isTTY: true, columns: 132 })).toBe(132);
  });
});
