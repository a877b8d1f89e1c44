import { describe, expect, it } from 'vitest';
import { captureOutput } from '../../../test/support/captured-output.js';
import { main } from '../main.js';
import { CONFLICTS } from './analyze.js';

const STREAM = 'test/vectors/qemu-7.2/pc-paused.mig';
const output = captureOutput();

/** The command-line form of an option, with a value where it takes one. */
const argv = (name: string): string[] =>
  name === 'extract'
    ? ['--extract', '/tmp/never-written']
    : name === 'descriptions'
      ? ['--descriptions', 'x.ts']
      : [`--${name}`];

describe('analyze: options that would be ignored together are usage errors', () => {
  it('--desc --memory names the conflict (it used to ignore --memory)', async () => {
    expect(await main(['analyze', '--desc', '--memory', STREAM])).toBe(2);
    expect(output.err).toContain('--desc and --memory cannot be used together');
    expect(output.out).toBe('');
  });

  it.each(CONFLICTS.map(([a, b]) => [a, b]))('--%s with --%s is refused', async (a, b) => {
    expect(await main(['analyze', ...argv(a), ...argv(b), STREAM])).toBe(2);
    expect(output.err).toContain(`--${a} and --${b} cannot be used together`);
  });

  it('every pair of modes and --memory is covered by the table or works', async () => {
    const covered = new Set(CONFLICTS.map(([a, b]) => [a, b].sort().join(' ')));
    for (const mode of ['desc', 'summary', 'lossless', 'extract']) {
      for (const other of ['desc', 'summary', 'lossless', 'extract', 'memory']) {
        if (other === mode || (mode === 'extract' && other === 'memory')) continue;
        expect(covered.has([mode, other].sort().join(' ')), `${mode} + ${other}`).toBe(true);
      }
    }
  });

  it('--summary --json still prints JSON', async () => {
    expect(await main(['analyze', '--summary', '--json', STREAM])).toBe(0);
    expect(() => JSON.parse(output.out)).not.toThrow();
  });
});
