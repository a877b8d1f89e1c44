import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkStream } from '../../src/compat/index.js';
import {
  guestImage,
  loadStream,
  ltimGuest,
  prevalentGuest,
  requireQemu,
  saveGuest,
  writeFloppy,
} from '../../src/qemu/index.js';
import { dump, vectorBytes as raw, stream } from './vectors.js';

/**
 * `check STREAM DEST` against real QEMU: the verdict for a stream must be what the destination
 * QEMU does with it. Streams are saved live by 10.0 from the project's guests and loaded into 7.2;
 * the committed vectors are loaded too. Fails (never skips) when a QEMU version is missing.
 */
const dir = mkdtempSync('/tmp/vmq-xver-');
const floppy = join(dir, 'prevalent.img');
const ltimImage = join(dir, 'ltim.img');

beforeAll(() => {
  requireQemu('7.2');
  requireQemu('10.0');
  writeFloppy(floppy, guestImage(prevalentGuest));
  writeFloppy(ltimImage, guestImage(ltimGuest));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

describe('check STREAM DEST agrees with real QEMU 7.2', () => {
  it('live 10.0 LTIM stream: refused by us and by 7.2 (i8259); live prevalent stream: loads in both', async () => {
    const machine = 'pc-i440fx-7.2';
    const ltim = join(dir, 'ltim.mig');
    const prevalent = join(dir, 'prevalent.mig');
    await saveGuest({ guest: ltimGuest, version: '10.0', machine, image: ltimImage }, ltim);
    await saveGuest({ guest: prevalentGuest, version: '10.0', machine, image: floppy }, prevalent);
    const dest = dump('7.2', machine);
    const ours = await checkStream(readFileSync(ltim), dest);
    expect(ours.verdict).toBe('refused');
    expect(ours.findings.find((f) => f.severity === 'error')?.message).toContain('ltim = 0x08');
    const real = await loadStream(ltim, { machine, version: '7.2', floppy: ltimImage });
    expect(real.status).toBe('failed');
    expect(real.stderr).toContain("error while loading state for instance 0x0 of device 'i8259'");

    expect((await checkStream(readFileSync(prevalent), dest)).verdict).toBe('loads');
    const loaded = await loadStream(prevalent, { machine, version: '7.2', floppy });
    expect(loaded.status).toBe('completed');
  }, 120_000);

  it('the committed 10.0 vectors: each verdict is what 7.2 does', async () => {
    const cases = [
      { name: 'ltim-pc-i440fx-7.2.mig', machine: 'pc-i440fx-7.2', devices: [] as string[] },
      { name: 'prevalent-pc-i440fx-7.2.mig', machine: 'pc-i440fx-7.2', devices: [] },
      { name: 'prevalent-pc-q35-7.2.mig', machine: 'pc-q35-7.2', devices: [] },
      { name: 'e1000e-pc-i440fx-7.2.mig', machine: 'pc-i440fx-7.2', devices: ['-device', 'e1000e'] },
      { name: 'am53c974-pc-i440fx-7.2.mig', machine: 'pc-i440fx-7.2', devices: ['-device', 'am53c974'] },
    ];
    for (const c of cases) {
      const bytes = stream('10.0', c.name);
      const ours = await checkStream(bytes, dump('7.2', c.machine));
      const real = await loadStream(file(c.name, bytes), {
        machine: c.machine,
        version: '7.2',
        floppy,
        extraArgs: c.devices,
      });
      expect({ name: c.name, verdict: ours.verdict }).toEqual({
        name: c.name,
        verdict: real.status === 'completed' ? 'loads' : 'refused',
      });
    }
  }, 180_000);

  it('7.2 am53c974 → 10.0 (refused) and → 5.2 on pc-i440fx-5.2 (refused): what the real QEMUs do', async () => {
    const cases = [
      { name: 'am53c974-pc-i440fx-7.2.mig', machine: 'pc-i440fx-7.2', to: '10.0' as const },
      { name: 'am53c974-pc-i440fx-5.2.mig', machine: 'pc-i440fx-5.2', to: '5.2' as const },
      { name: 'am53c974-pc-i440fx-5.2.mig', machine: 'pc-i440fx-5.2', to: '10.0' as const },
    ];
    requireQemu('5.2');
    for (const c of cases) {
      const bytes = stream('7.2', c.name);
      const ours = await checkStream(bytes, dump(c.to, c.machine));
      const real = await loadStream(file(`${c.to}-${c.name}`, bytes), {
        machine: c.machine,
        version: c.to,
        floppy,
        extraArgs: ['-device', 'am53c974'],
      });
      expect({ c, verdict: ours.verdict }).toEqual({
        c,
        verdict: real.status === 'completed' ? 'loads' : 'refused',
      });
    }
  }, 120_000);

  it('a 7.2 stream into -M pc-i440fx-2.3: QEMU says "Unknown savevm section type 7", and so do we', async () => {
    const bytes = raw('7.2', 'pc-paused.mig');
    const ours = await checkStream(bytes, dump('7.2', 'pc-i440fx-2.3'));
    expect(ours.verdict).toBe('refused');
    const real = await loadStream(file('pc-paused.mig', bytes), { machine: 'pc-i440fx-2.3', version: '7.2' });
    expect(real.status).toBe('failed');
    expect(real.stderr).toContain('Unknown savevm section type 7');
    expect(ours.findings.some((f) => f.message.includes('Unknown savevm section type 7'))).toBe(true);
  }, 60_000);
});
