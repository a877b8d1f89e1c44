import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkStream, convertForQemu } from '../../src/compat/index.js';
import {
  guestImage,
  loadStream,
  ltimGuest,
  prevalentGuest,
  requireQemu,
  writeFloppy,
} from '../../src/qemu/index.js';
import { dump, vectorBytes as raw, stream } from './vectors.js';

/**
 * `convert --to DUMP.json` never reports success for a stream the target refuses: every output
 * here is loaded by the real destination QEMU (7.2), and the guest keeps running after `cont`.
 * Fails (never skips) without QEMU 7.2.
 */
const dir = mkdtempSync('/tmp/vmq-xver-convert-');
const images = { ltim: join(dir, 'ltim.img'), prevalent: join(dir, 'prevalent.img') };
beforeAll(() => {
  requireQemu('7.2');
  writeFloppy(images.ltim, guestImage(ltimGuest));
  writeFloppy(images.prevalent, guestImage(prevalentGuest));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const machine = 'pc-i440fx-7.2';

async function loadAndRun(bytes: Uint8Array, floppy: string): Promise<{ status: string; running?: string }> {
  const file = join(dir, `out-${Math.random().toString(36).slice(2)}.mig`);
  writeFileSync(file, bytes);
  let running: string | undefined;
  const r = await loadStream(file, {
    machine,
    version: '7.2',
    floppy,
    afterLoad: async (vm) => {
      await vm.qmp('cont');
      await new Promise((res) => setTimeout(res, 300));
      running = (await vm.qmp<{ status: string }>('query-status')).status;
    },
  });
  return { status: r.status, ...(running === undefined ? {} : { running }) };
}

describe('convert a 10.0 stream for QEMU 7.2 (real)', () => {
  it('the prevalent-state stream converts unchanged and 7.2 loads it', async () => {
    const input = stream('10.0', 'prevalent-pc-i440fx-7.2.mig');
    const { report, output } = await convertForQemu(input, dump('7.2', machine));
    expect(report.converted).toBe(true);
    expect(report.losses).toEqual([]);
    expect(output).toEqual(input);
    expect(await loadAndRun(output as Uint8Array, images.prevalent)).toEqual({
      status: 'completed',
      running: 'running',
    });
  }, 60_000);

  it('the LTIM stream is refused naming i8259/ltim; with --allow-loss i8259/ltim 7.2 loads it and the guest runs', async () => {
    const input = stream('10.0', 'ltim-pc-i440fx-7.2.mig');
    const refused = await convertForQemu(input, dump('7.2', machine));
    expect(refused.report.converted).toBe(false);
    expect(refused.output).toBeUndefined();
    expect(refused.report.losses).toMatchObject([
      { path: 'i8259::i8259/ltim', kind: 'subsection', allowed: false },
    ]);
    expect(refused.report.losses[0]?.reason).toContain('ltim = 0x08');

    const { report, output } = await convertForQemu(input, dump('7.2', machine), {
      allowLoss: ['i8259/ltim'],
    });
    expect(report.converted).toBe(true);
    expect(report.check.verdict).toBe('loads');
    // The subsection's 17 bytes are cut from the i8259 section, and from the vmdesc.
    expect(Buffer.from(input).includes('i8259/ltim')).toBe(true);
    expect(Buffer.from(output as Uint8Array).includes('i8259/ltim')).toBe(false);
    expect(await loadAndRun(output as Uint8Array, images.ltim)).toEqual({
      status: 'completed',
      running: 'running',
    });
  }, 60_000);

  it('a change of machine type is refused, naming both (pc-paused.mig → a pc-i440fx-2.3 dump)', async () => {
    const { report } = await convertForQemu(raw('7.2', 'pc-paused.mig'), dump('7.2', 'pc-i440fx-2.3'));
    expect(report.converted).toBe(false);
    expect(report.impossible[0]?.what).toContain('machine type pc-i440fx-7.2 and the target pc-i440fx-2.3');
    // and the check says why QEMU refuses it
    const check = await checkStream(raw('7.2', 'pc-paused.mig'), dump('7.2', 'pc-i440fx-2.3'));
    expect(check.findings.some((f) => f.message.includes('Unknown savevm section type 7'))).toBe(true);
  });
});
