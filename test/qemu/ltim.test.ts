import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  guestImage,
  loadStream,
  ltimGuest,
  prevalentGuest,
  requireQemu,
  saveGuest,
  verifyGuestStream,
  writeFloppy,
} from '../../src/qemu/index.js';

/**
 * The real prevalent-state failure, reproduced with our own guests and QEMUs: 10.0 sends
 * i8259/ltim for a level-triggered PIC, 7.2 and 5.2 refuse it; the prevalent guest loads.
 */
describe('LTIM guest across QEMU versions (real)', () => {
  const dir = mkdtempSync('/tmp/vmq-ltim-');
  const images = { ltim: join(dir, 'ltim.img'), prevalent: join(dir, 'prevalent.img') };
  beforeAll(() => {
    for (const v of ['5.2', '7.2', '10.0'] as const) requireQemu(v); // fails loudly when missing
    writeFloppy(images.ltim, guestImage(ltimGuest));
    writeFloppy(images.prevalent, guestImage(prevalentGuest));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('10.0 → 7.2 refused for the LTIM guest (i8259), loads for the prevalent one', async () => {
    const machine = 'pc-i440fx-7.2';
    const ltim = join(dir, 'ltim-10.mig');
    const prevalent = join(dir, 'prevalent-10.mig');
    await Promise.all([
      saveGuest({ guest: ltimGuest, version: '10.0', machine, image: images.ltim }, ltim),
      saveGuest({ guest: prevalentGuest, version: '10.0', machine, image: images.prevalent }, prevalent),
    ]);
    const checks = await verifyGuestStream(ltim, ltimGuest, '10.0');
    expect(checks.map((c) => [c.expectation.field, c.actual])).toEqual([['i8259/ltim.ltim', '0x08']]);

    const [refused, loaded] = await Promise.all([
      loadStream(ltim, { machine, version: '7.2', floppy: images.ltim }),
      loadStream(prevalent, { machine, version: '7.2', floppy: images.prevalent }),
    ]);
    expect(refused.status).toBe('failed');
    expect(refused.errorDesc).toContain("error while loading state for instance 0x0 of device 'i8259'");
    expect(loaded.status, loaded.stderr).toBe('completed');
  }, 60_000);

  it('10.0 → 5.2 refused; 7.2 → 10.0 loads (forward is fine)', async () => {
    const machine = 'pc-i440fx-5.2';
    const from10 = join(dir, 'ltim-10-52.mig');
    const from72 = join(dir, 'ltim-72-52.mig');
    await Promise.all([
      saveGuest({ guest: ltimGuest, version: '10.0', machine, image: images.ltim }, from10),
      saveGuest({ guest: ltimGuest, version: '7.2', machine, image: images.ltim }, from72),
    ]);
    const [back, forward] = await Promise.all([
      loadStream(from10, { machine, version: '5.2', floppy: images.ltim }),
      loadStream(from72, { machine, version: '10.0', floppy: images.ltim }),
    ]);
    expect(back.status).toBe('failed');
    expect(back.errorDesc).toMatch(/i8259/);
    expect(forward.status, forward.stderr).toBe('completed');
  }, 60_000);
});
