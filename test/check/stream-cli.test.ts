import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureOutput } from '../support/captured-output.js';
import { vectorBytes as raw, stream } from './vectors.js';

/** `vmstate check STREAM DEST` and `vmstate convert --to DUMP.json` through the CLI: output and exit codes. */
const dir = mkdtempSync('/tmp/vmstate-xver-cli-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

const io = captureOutput();

const dump72 = () => file('dump-7.2.json', raw('7.2', 'dump-pc-i440fx-7.2.json.gz'));

describe('vmstate check STREAM DEST', () => {
  it('recognises the stream by its magic (any name): refused → exit 1, with QEMU’s rule and the value', async () => {
    const ltim = file('ltim.bin', stream('10.0', 'ltim-pc-i440fx-7.2.mig'));
    expect(await main(['check', ltim, dump72()])).toBe(1);
    expect(io.out.split('\n')[0]).toBe('refused');
    expect(io.out).toContain('i8259/ltim is sent because ltim = 0x08');
    expect(io.out).toContain('QEMU: vmstate_subsection_load');
  });

  it('--json adds "verdict" beside "findings"; loads → exit 0', async () => {
    const prevalent = file('prevalent.mig', stream('10.0', 'prevalent-pc-i440fx-7.2.mig'));
    expect(await main(['check', prevalent, dump72(), '--json'])).toBe(0);
    const json = JSON.parse(io.out) as { verdict: string; findings: unknown[] };
    expect(json.verdict).toBe('loads');
    expect(Array.isArray(json.findings)).toBe(true);
  });

  it('exit 3 for a malformed stream, 2 for a destination that is not a dump', async () => {
    const cut = file('cut.mig', raw('7.2', 'i440fx-7.2.mig').slice(0, 300_000));
    expect(await main(['check', cut, dump72()])).toBe(3);
    const ltim = file('ltim2.mig', stream('10.0', 'ltim-pc-i440fx-7.2.mig'));
    expect(await main(['check', ltim, ltim])).toBe(2);
    expect(await main(['check', ltim, join(dir, 'missing.json')])).toBe(2);
  });
});

describe('vmstate convert --to DUMP.json', () => {
  it('a change of machine type (i440fx stream, q35 dump) is refused naming both; nothing written', async () => {
    const q35 = file('dump-q35.json', raw('7.2', 'dump-pc-q35-7.2.json.gz'));
    const output = join(dir, 'out.mig');
    expect(await main(['convert', 'test/vectors/qemu-7.2/pc-paused.mig', '--to', q35, '-o', output])).toBe(1);
    expect(io.out).toContain('the stream is machine type pc-i440fx-7.2 and the target pc-q35-7.2');
    expect(io.out).toContain("Machine type received is 'pc-i440fx-7.2' and local is 'pc-q35-7.2'");
    expect(io.out).toContain('not converted: nothing written');
  });

  it('the LTIM stream: refused unless --allow-loss names i8259/ltim', async () => {
    const ltim = file('ltim3.mig', stream('10.0', 'ltim-pc-i440fx-7.2.mig'));
    const output = join(dir, 'ltim-out.mig');
    expect(await main(['convert', ltim, '--to', dump72(), '-o', output])).toBe(1);
    expect(io.out).toContain('subsection i8259::i8259/ltim');
    io.out = '';
    expect(await main(['convert', ltim, '--to', dump72(), '-o', output, '--allow-loss', 'i8259/ltim'])).toBe(
      0,
    );
    expect(io.out).toContain('allowed subsection i8259::i8259/ltim');
    expect(io.out).toContain('target check (of the output): loads');
  });
});
