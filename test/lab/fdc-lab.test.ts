import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureOutput } from '../support/captured-output.js';

/**
 * Issue 15's acceptance, as a user runs it: `vmstate matrix src/demo/versions.ts` with the
 * default seed and budget finds that v2b on pc-2.3 drops a phase the receiver rebuilds otherwise
 * (msr = 0, phase = 1 loads as phase = 2): in the single-hop honesty table, in the matrix, in --json.
 */
const MODULE = 'src/demo/versions.ts';

const io = captureOutput();

describe('vmstate matrix on the floppy releases (default seed and budget)', () => {
  it('text: the honesty row of fdc/phase on pc-2.3 for v2b is UNSAFE, and the v2b pairs are', async () => {
    expect(await main(['matrix', MODULE])).toBe(1);
    expect(io.out).toMatch(/\n {2}fdc › fdc\/phase +pc-2\.3 +UNSAFE [1-9]\d*\/100 +0\/100 +v2b\n/);
    // The honest ones stay honest: v2a and v2c send the phase whenever it is not prevalent.
    expect(io.out).toMatch(/\n {2}fdc › fdc\/phase +pc-2\.3 +ok 0\/\d+ +\d+\/\d+ +v2a\n/);
    // v2b → v1 is ok on its own (v1 cannot hold the phase), but chains lose the phase on that hop.
    expect(io.out).toMatch(/\n {2}v2b +chain UNSAFE +UNSAFE [\d.]+% +UNSAFE [\d.]+% +UNSAFE [\d.]+%/);
    expect(io.out).toContain('fdc.state.phase  sender 1  ≠  receiver 2');
    expect(io.out).toMatch(/fdc\.state\.phase +sender [123] +≠ +receiver [123]/);
  }, 240_000);

  it('--json carries the same finding and the UNSAFE cells', async () => {
    expect(await main(['matrix', MODULE, '--json'])).toBe(1);
    const report = JSON.parse(io.out);
    const phase = report.honesty.find(
      (h: { subsection: string[]; machine: string; versions: string[] }) =>
        h.subsection[0] === 'fdc/phase' && h.machine === 'pc-2.3' && h.versions.includes('v2b'),
    );
    expect(phase.dishonest).toBeGreaterThan(0);
    expect(phase.example.path).toEqual(['phase']);
    expect(phase.example.sent).not.toBe(phase.example.reconstructed);
    const cell = report.matrix.pairs.find(
      (c: { route: string[]; machine: string }) => c.route.join('>') === 'v2b>v2b' && c.machine === 'pc-2.3',
    );
    expect(cell.counts.unsafe).toBeGreaterThan(0);
    expect(cell.examples.unsafe.differences[0].path).toEqual(['fdc', 'state', 'phase']);
    // Branch coverage per cell: fdc/phase is never sent by v2b on pc-2.3, so only one side exists.
    expect(cell.coverage).toContainEqual({
      path: 'fdc › state › fdc/phase',
      kind: 'needed',
      yes: 0,
      no: 100,
    });
  }, 240_000);
});
