import { describe, expect, it } from 'vitest';
import { formatIssue, formatPath } from './issue.js';

describe('formatIssue', () => {
  it('names the place when there is one', () => {
    const text = formatIssue({
      code: 'truncated',
      path: ['fdc', 'state', 'drives', 1, 'head'],
      offset: 16,
      message: 'ends early',
    });
    expect(text).toBe('fdc › state › drives[1] › head: ends early at byte 16 (0x10) [truncated]');
  });

  it('is the message alone for an issue about the whole input, never "(top):"', () => {
    const text = formatIssue({ code: 'bad-header', path: [], offset: 0, message: 'not a migration stream' });
    expect(text).toBe('not a migration stream at byte 0 (0x0) [bad-header]');
  });
});

describe('formatPath', () => {
  it('joins names with › and puts indices in brackets, a leading index included', () => {
    expect(formatPath([2, 'head'])).toBe('[2] › head');
    expect(formatPath(['a', 0, 1])).toBe('a[0][1]');
  });
});
