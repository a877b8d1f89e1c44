import { afterEach, beforeEach, vi } from 'vitest';

/** What the CLI wrote to stdout and stderr during the current test (a test may reset either between commands). */
export interface CapturedOutput {
  out: string;
  err: string;
}

/**
 * Captures stdout and stderr for every test of the calling scope (module or `describe`): the CLI
 * writes through `process.stdout.write`, and tests read what it wrote instead of the terminal.
 */
export function captureOutput(): CapturedOutput {
  const captured = { out: '', err: '' };
  beforeEach(() => {
    captured.out = '';
    captured.err = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
      captured.out += String(s);
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
      captured.err += String(s);
      return true;
    });
  });
  afterEach(() => vi.restoreAllMocks());
  return captured;
}
