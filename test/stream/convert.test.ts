import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { loadDescriptionSet } from '../../src/compat/index.js';
import type { Vmsd } from '../../src/index.js';
import {
  convertByFieldNames,
  convertWithDescriptions,
  encodeStream,
  readStream,
  type StreamItem,
} from '../../src/stream/index.js';
import { captureOutput } from '../support/captured-output.js';
import { releases } from './fixtures/ctrl-versions.js';

/** The report as one line per paragraph: fitWidth's continuation lines joined back. */
const unwrapped = (text: string) => text.replace(/\n {2,}/g, ' ');

// biome-ignore lint/suspicious/noExplicitAny: releases of one device have different state types
type AnyVmsd = Vmsd<any>;

const VECTORS = 'test/vectors/qemu-7.2';
const DUMP = `${VECTORS}/dump-pc-i440fx-7.2.json`;
const STREAM = `${VECTORS}/i440fx-7.2.mig`;

const io = captureOutput();

const tmp = () => mkdtempSync(join(tmpdir(), 'vmstate-convert-'));

// `convertByFieldNames` is the stream layer's name-based converter; a QEMU dump target given to
// the CLI goes to compat's `convertForQemu` (test/check/convert-qemu.test.ts, the CLI tests here).

/** JSON edited in place by tests (the dump's shape is spec §14). */
// biome-ignore lint/suspicious/noExplicitAny: free-form JSON edits
type Dump = Record<string, any>;

/** The 7.2 dump with pieces removed: a receiver that knows less. */
function smallerDump(dir: string, edit: (dump: Dump) => void): string {
  const dump = JSON.parse(readFileSync(DUMP, 'utf8'));
  edit(dump);
  const file = join(dir, 'target.json');
  writeFileSync(file, JSON.stringify(dump));
  return file;
}

const withoutPcspkAndMediaRate = (dump: Dump) => {
  delete dump['isa-pcspk'];
  const drives = dump['isa-fdc'].Description.Fields[0].Description.Fields.find(
    (f: { field: string }) => f.field === 'drives',
  );
  drives.Description.Subsections = [];
};

async function items(file: string): Promise<StreamItem[]> {
  const list: StreamItem[] = [];
  for await (const item of readStream(file))
    list.push(item.type === 'ram-page' ? { ...item, data: item.data.slice() } : item);
  return list;
}

describe('convert a QEMU stream for a -dump-vmstate target', () => {
  it('to the same QEMU: nothing lost, the same bytes, and it says which sections no dump covers', async () => {
    const dir = tmp();
    expect(await main(['convert', STREAM, '--to', DUMP, '-o', join(dir, 'out.mig')])).toBe(0);
    expect(readFileSync(join(dir, 'out.mig')).equals(readFileSync(STREAM))).toBe(true);
    expect(io.out).toContain('converted: 387381 bytes written, nothing lost');
    // Reports wrap at 100 columns: match the text with its line breaks undone.
    expect(unwrapped(io.out)).toMatch(
      /passed unchanged: timer, cpu_common, cpu, apic, PCIBUS, 0000:00:01\.1\/ide, i2c_bus, acpi_build, globalstate/,
    );
  });

  it('refuses, listing each piece of state the target cannot receive, and writes nothing', async () => {
    const dir = tmp();
    const target = smallerDump(dir, withoutPcspkAndMediaRate);
    expect(await main(['convert', STREAM, '--to', target, '-o', join(dir, 'out.mig')])).toBe(1);
    expect(io.out).toContain('subsection fdc::state::drives::fdrive/media_rate');
    // A device class missing from a dump is not proof that QEMU refuses the section (5.2's dump has
    // no ps2kbd, and 5.2 loads it): pcspk is passed unchanged and said so, never dropped.
    expect(unwrapped(io.out)).toMatch(/passed unchanged: .*pcspk/);
    expect(io.out).toContain('not converted: nothing written');
    expect(() => statSync(join(dir, 'out.mig'))).toThrow();
    io.out = '';
    expect(await main(['convert', STREAM, '--to', target, '--dry-run', '--json'])).toBe(1);
    const report = JSON.parse(io.out);
    expect(report.losses.map((l: { path: string }) => l.path)).toEqual([
      'fdc::state::drives::fdrive/media_rate',
    ]);
    expect(report.converted).toBe(false);
    expect(report.verdict).toBe('refused');
  });

  it('with --allow-loss: drops exactly that subsection in every element, rewrites the vmdesc, reports the loss', async () => {
    const dir = tmp();
    const target = smallerDump(dir, withoutPcspkAndMediaRate);
    const args = ['--allow-loss', 'fdc::state::drives::fdrive/media_rate'];
    expect(await main(['convert', STREAM, '--to', target, '-o', join(dir, 'out.mig'), ...args])).toBe(0);
    expect(io.out).toContain('lost (allowed):');
    expect(io.out).toContain('allowed subsection fdc::state::drives::fdrive/media_rate');
    const converted = await items(join(dir, 'out.mig'));
    const fdc = converted.find(
      (i, k) =>
        i.type === 'device' &&
        converted[k - 1]?.type === 'section' &&
        (converted[k - 1] as { idstr: string }).idstr === 'fdc',
    );
    const drives = (
      fdc?.type === 'device' ? (fdc.state.state as { drives: object[] }).drives : []
    ) as object[];
    expect(drives).toHaveLength(2);
    for (const d of drives) expect(d).not.toHaveProperty('fdrive/media_rate');
    const vmdesc = converted.at(-1);
    expect(vmdesc?.type === 'vmdesc' && vmdesc.text).not.toContain('media_rate');
    // Everything else is as it was: the stream is shorter by 2 × 24 subsection bytes (and the vmdesc).
    const before = readFileSync(STREAM).length;
    const afterVmdesc = vmdesc?.type === 'vmdesc' ? Buffer.byteLength(vmdesc.text) : 0;
    const originalVmdesc = (await items(STREAM)).at(-1) as { text: string };
    expect(statSync(join(dir, 'out.mig')).size).toBe(
      before - 2 * 24 - (Buffer.byteLength(originalVmdesc.text) - afterVmdesc),
    );
  });

  it('a field the target does not have is a loss too; a newer stream version is written at the target version', async () => {
    const dir = tmp();
    const target = await loadDescriptionSet(
      smallerDump(dir, (dump) => {
        const kbd = dump.i8042.Description.Fields[0].Description;
        kbd.Fields = kbd.Fields.filter((f: { field: string }) => f.field !== 'pending_tmp');
        dump.i8042.Description.version_id = 2;
        dump.i8042.Description.minimum_version_id = 2;
      }),
    );
    const refused = await convertByFieldNames(STREAM, target, undefined);
    expect(refused.losses).toEqual([
      {
        path: 'pckbd::kbd::pending_tmp',
        kind: 'field',
        reason: 'the target\'s pckbd has no field "pending_tmp"',
        allowed: false,
      },
    ]);
    expect(refused.adjustments).toContainEqual({ path: 'pckbd', what: 'version 3 written as 2' });
    const chunks: Uint8Array[] = [];
    const done = await convertByFieldNames(STREAM, target, (c) => void chunks.push(c), {
      allowLoss: ['pckbd::kbd::pending_tmp'],
    });
    expect(done.converted).toBe(true);
    const converted = Buffer.concat(chunks);
    const list: StreamItem[] = [];
    for await (const item of readStream(new Uint8Array(converted))) list.push(item);
    const k = list.findIndex((i) => i.type === 'section' && i.idstr === 'pckbd');
    expect(list[k]).toMatchObject({ version: 2 });
    expect(list[k + 1]?.type === 'device' && list[k + 1]).toMatchObject({
      state: { kbd: { write_cmd: 0, status: 0x18, mode: 3 } },
    });
    expect(
      list[k + 1]?.type === 'device' && (list[k + 1] as unknown as { state: { kbd: object } }).state.kbd,
    ).not.toHaveProperty('pending_tmp');
  });

  it('a stream older than the target accepts cannot be converted', async () => {
    const dir = tmp();
    const target = await loadDescriptionSet(
      smallerDump(dir, (dump) => {
        dump['isa-pcspk'].Description.minimum_version_id = 5;
        dump['isa-pcspk'].Description.version_id = 5;
      }),
    );
    const r = await convertByFieldNames(STREAM, target, undefined);
    expect(r.converted).toBe(false);
    expect(r.impossible).toEqual([{ path: 'pcspk', what: "version 1 is below the target's minimum 5" }]);
  });

  it('reports progress over both passes: up to twice the size when it writes, once when it refuses', async () => {
    const size = statSync(STREAM).size;
    const seen: number[] = [];
    const same = await loadDescriptionSet(DUMP);
    const r = await convertByFieldNames(STREAM, same, () => {}, {
      onProgress: (n) => seen.push(n),
    });
    expect(r.converted).toBe(true);
    expect(seen.some((n) => n > 0 && n <= size)).toBe(true);
    expect(Math.max(...seen)).toBeGreaterThan(size);
    expect(Math.max(...seen)).toBeLessThanOrEqual(2 * size);
    const dir = tmp();
    const refused: number[] = [];
    const less = await loadDescriptionSet(smallerDump(dir, withoutPcspkAndMediaRate));
    const r2 = await convertByFieldNames(STREAM, less, () => {}, {
      onProgress: (n) => refused.push(n),
    });
    expect(r2.converted).toBe(false);
    expect(refused.length).toBeGreaterThan(0);
    expect(Math.max(...refused)).toBeLessThanOrEqual(size);
  });

  it('a stream without vmdesc is unsupported (naming the first section); a cut-off one is truncated', async () => {
    const target = await loadDescriptionSet(DUMP);
    await expect(convertByFieldNames(`${VECTORS}/i440fx-2.2.mig`, target, undefined)).rejects.toMatchObject({
      issues: [{ code: 'unsupported', path: ['timer'] }],
    });
    const dir = tmp();
    const bytes = readFileSync(STREAM);
    writeFileSync(join(dir, 'cut.mig'), bytes.subarray(0, bytes.length - 1000));
    await expect(convertByFieldNames(join(dir, 'cut.mig'), target, undefined)).rejects.toMatchObject({
      issues: [{ code: 'truncated', path: ['vmdesc'] }],
    });
    expect(await main(['convert', join(dir, 'cut.mig'), '--to', DUMP, '-o', join(dir, 'out.mig')])).toBe(3);
    expect(io.err).toMatch(/^rejected: vmdesc: the input ends inside the vmdesc JSON/);
    expect(() => statSync(join(dir, 'out.mig'))).toThrow();
  });
});

describe('convert a stream of our own descriptions to another release', () => {
  const { v1, v2, v3 } = releases;
  const stream = (desc: AnyVmsd, state: Record<string, unknown>) =>
    encodeStream([
      { type: 'header', version: 3 },
      { type: 'section', kind: 'full', sectionId: 0, idstr: 'ctrl', instanceId: 0, version: desc.version },
      { type: 'device', decodedBy: 'description', desc, state },
      { type: 'section-end', sectionId: 0, footer: true },
      { type: 'eof' },
    ]);
  const decode = async (bytes: Uint8Array, desc: AnyVmsd) => {
    for await (const item of readStream(bytes, { descriptions: () => desc }))
      if (item.type === 'device') return item.state;
    return undefined;
  };
  const run = async (bytes: Uint8Array, from: AnyVmsd, to: AnyVmsd, allowLoss: string[] = []) => {
    const chunks: Uint8Array[] = [];
    const report = await convertWithDescriptions(
      bytes,
      { from: [from], to: [to] },
      (c) => void chunks.push(c),
      { allowLoss },
    );
    return { report, bytes: new Uint8Array(Buffer.concat(chunks)) };
  };

  it('upgrade 1.0 → 2.0: nothing lost, re-encoded at version 2 (count at its default)', async () => {
    const { report, bytes } = await run(stream(v1, { ctrl: 7 }), v1, v2);
    expect(report).toMatchObject({ converted: true, losses: [] });
    expect(report.adjustments).toEqual([{ path: 'ctrl', what: 'version 1 written as 2' }]);
    expect(await decode(bytes, v2)).toEqual({ ctrl: 7, count: 0, extra: 0 });
  });

  it('downgrade 2.0 → 1.0: count and extra cannot travel; refused unless allowed, then dropped', async () => {
    const source = stream(v2, { ctrl: 7, count: 300, extra: 5 });
    const refused = await run(source, v2, v1);
    expect(refused.report.converted).toBe(false);
    expect(refused.report.losses.map((l) => l.path)).toEqual(['ctrl::count', 'ctrl::extra']);
    expect(refused.bytes.length).toBe(0);
    const done = await run(source, v2, v1, ['ctrl::count', 'ctrl::extra']);
    expect(done.report.converted).toBe(true);
    expect(await decode(done.bytes, v1)).toEqual({ ctrl: 7 });
  });

  it("2.0 → 3.0: the subsection's value is lost only when it differs from what the receiver assumes", async () => {
    const quiet = await run(stream(v2, { ctrl: 1, count: 2, extra: 0 }), v2, v3);
    expect(quiet.report).toMatchObject({ converted: true, losses: [] });
    const busy = await run(stream(v2, { ctrl: 1, count: 2, extra: 9 }), v2, v3);
    expect(busy.report.losses).toEqual([
      { path: 'ctrl::extra', kind: 'field', reason: 'the receiver has no such member', allowed: false },
    ]);
  });

  it('the CLI takes module.ts#release for both sides', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'in.mig'), stream(v2, { ctrl: 7, count: 300, extra: 5 }));
    const mod = 'test/stream/fixtures/ctrl-versions.ts';
    const args = [
      'convert',
      join(dir, 'in.mig'),
      '--from',
      `${mod}#2.0`,
      '--to',
      `${mod}#1.0`,
      '-o',
      join(dir, 'out.mig'),
    ];
    expect(await main(args)).toBe(1);
    expect(io.out).toContain('field ctrl::count');
    io.out = '';
    expect(await main([...args, '--allow-loss', 'ctrl'])).toBe(0);
    expect(await decode(new Uint8Array(readFileSync(join(dir, 'out.mig'))), v1)).toEqual({ ctrl: 7 });
    expect(io.err).toBe('');
  });
});
