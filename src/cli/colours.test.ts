import { afterEach, describe, expect, it, vi } from 'vitest';
import { coloursFor } from './colours.js';

const ESC = '\u001b[';

describe('coloursFor', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('leaves piped output plain even under CI', () => {
    vi.stubEnv('CI', 'true');
    vi.stubEnv('FORCE_COLOR', undefined);
    vi.stubEnv('NO_COLOR', undefined);
    expect(coloursFor({ isTTY: false }).red('x')).toBe('x');
  });

  it('colours a terminal unless NO_COLOR is set', () => {
    vi.stubEnv('FORCE_COLOR', undefined);
    vi.stubEnv('NO_COLOR', undefined);
    vi.stubEnv('TERM', 'xterm');
    expect(coloursFor({ isTTY: true }).red('x')).toContain(ESC);
    vi.stubEnv('NO_COLOR', '1');
    expect(coloursFor({ isTTY: true }).red('x')).toBe('x');
  });

  it('colours piped output when FORCE_COLOR asks for it', () => {
    vi.stubEnv('NO_COLOR', undefined);
    vi.stubEnv('FORCE_COLOR', '1');
    expect(coloursFor({ isTTY: false }).red('x')).toContain(ESC);
  });
});
