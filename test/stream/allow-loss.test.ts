import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDescriptionSet } from '../../src/compat/index.js';
import type { Vmsd } from '../../src/index.js';
import { convertByFieldNames, convertWithDescriptions, encodeStream } from '../../src/stream/index.js';
import { releases } from './fixtures/ctrl-versions.js';

/**
 * `--allow-loss PATH` allows PATH and everything under it, and nothing else: a path is cut at
 * `::`, never in the middle of a name (`pcsp` does not allow `pcspk`, `ctrl::coun` not `ctrl::count`).
 */

// biome-ignore lint/suspicious/noExplicitAny: releases of one device have different state types
type AnyVmsd = Vmsd<any>;

const DUMP = 'test/vectors/qemu-7.2/dump-pc-i440fx-7.2.json';
const STREAM = 'test/vectors/qemu-7.2/i440fx-7.2.mig';

describe('--allow-loss paths end at a :: boundary', () => {
  // The name-based planner: a section missing from a dump is a loss there (for the QEMU planner it
  // is not, since QEMU's dumps leave out sections that real QEMU loads; see docs/check.md).
  it('for a -dump-vmstate target: a prefix of a name allows nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vmstate-allow-'));
    const dump = JSON.parse(readFileSync(DUMP, 'utf8'));
    delete dump['isa-pcspk'];
    const file = join(dir, 'target.json');
    writeFileSync(file, JSON.stringify(dump));
    const target = await loadDescriptionSet(file);
    const partial = await convertByFieldNames(STREAM, target, undefined, {
      allowLoss: ['pcsp'],
    });
    expect(partial.losses).toEqual([expect.objectContaining({ path: 'pcspk', allowed: false })]);
    expect(partial.converted).toBe(false);
    const whole = await convertByFieldNames(STREAM, target, undefined, {
      allowLoss: ['pcspk'],
    });
    expect(whole.losses).toEqual([expect.objectContaining({ path: 'pcspk', allowed: true })]);
    expect(whole.converted).toBe(true);
  });

  it('for a description target: a section allows its fields; a cut name does not', async () => {
    const { v1, v2 } = releases;
    const bytes = encodeStream([
      { type: 'header', version: 3 },
      { type: 'section', kind: 'full', sectionId: 0, idstr: 'ctrl', instanceId: 0, version: v2.version },
      {
        type: 'device',
        decodedBy: 'description',
        desc: v2 as AnyVmsd,
        state: { ctrl: 7, count: 300, extra: 5 },
      },
      { type: 'section-end', sectionId: 0, footer: true },
      { type: 'eof' },
    ]);
    const run = (allowLoss: string[]) =>
      convertWithDescriptions(bytes, { from: [v2 as AnyVmsd], to: [v1 as AnyVmsd] }, undefined, {
        allowLoss,
      });
    const cut = await run(['ctrl::coun', 'ctrl::extr', 'ctr']);
    expect(cut.losses.map((l) => [l.path, l.allowed])).toEqual([
      ['ctrl::count', false],
      ['ctrl::extra', false],
    ]);
    expect(cut.converted).toBe(false);
    const under = await run(['ctrl']);
    expect(under.losses.every((l) => l.allowed)).toBe(true);
    expect(under.converted).toBe(true);
  });
});
