import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import {
  checkStream,
  convertFileForQemu,
  convertForQemu,
  type DescriptionSet,
  type QemuConvertReport,
} from '../../src/compat/index.js';
import { MigrationError } from '../../src/errors/index.js';
import { dump, vectorBytes } from './vectors.js';

/**
 * `check STREAM DEST` and `convert --to DUMP` over a file (read as a stream, each section read
 * back by offset, cuts spliced into temporary files) give exactly what they give over the whole
 * stream's bytes: same verdicts, findings, offsets and output bytes, for every stream in
 * test/vectors against dumps of three QEMU versions and a legacy (2.3) machine type.
 */
const dir = mkdtempSync(join(tmpdir(), 'vmstate-stream-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const STREAMS: [string, string][] = [
  ['10.0', 'am53c974-pc-i440fx-7.2.mig.gz'],
  ['10.0', 'e1000e-pc-i440fx-7.2.mig.gz'],
  ['10.0', 'esp-busy-pc-i440fx-7.2.mig.gz'],
  ['10.0', 'ltim-pc-i440fx-5.2.mig.gz'],
  ['10.0', 'ltim-pc-i440fx-7.2.mig.gz'],
  ['10.0', 'prevalent-pc-i440fx-7.2.mig.gz'],
  ['10.0', 'prevalent-pc-q35-7.2.mig.gz'],
  ['10.0', 'uefi-vars-i440fx-10.0.mig'],
  ['5.2', 'ltim-pc-i440fx-5.2.mig.gz'],
  ['5.2', 'prevalent-pc-i440fx-5.2.mig.gz'],
  ['7.2', 'am53c974-pc-i440fx-5.2.mig.gz'],
  ['7.2', 'am53c974-pc-i440fx-7.2.mig.gz'],
  ['7.2', 'i440fx-2.2.mig'],
  ['7.2', 'i440fx-2.3.mig'],
  ['7.2', 'i440fx-7.2-slirp.mig'],
  ['7.2', 'i440fx-7.2.mig'],
  ['7.2', 'pc-paused.mig'],
  ['7.2', 'prevalent-pc-q35-5.2.mig.gz'],
  ['7.2', 'q35-7.2.mig'],
];

const DUMPS: [string, string][] = [
  ['7.2', 'pc-i440fx-7.2'],
  ['7.2', 'pc-i440fx-5.2'],
  ['7.2', 'pc-i440fx-2.3'],
  ['10.0', 'pc-i440fx-7.2'],
  ['5.2', 'pc-i440fx-5.2'],
];

/** The stream's bytes and the same bytes in a file. */
function input(version: string, name: string): { bytes: Uint8Array; file: string } {
  const bytes = vectorBytes(version, name);
  const file = join(dir, `${version}-${name.replace(/\.gz$/, '')}`);
  writeFileSync(file, bytes);
  return { bytes, file };
}

const label = (v: string, s: string, dv: string, m: string) => `${v}/${s} → ${dv} ${m}`;

describe('checkStream over a file = over the bytes', () => {
  for (const [version, name] of STREAMS) {
    it(`${version}/${name}`, async () => {
      const { bytes, file } = input(version, name);
      for (const [dv, machine] of DUMPS) {
        const set = dump(dv, machine);
        const fromBytes = await checkStream(bytes, set);
        expect(await checkStream(file, set), label(version, name, dv, machine)).toEqual(fromBytes);
      }
    });
  }
});

/** convertFileForQemu's report and output bytes (written through a Writable, as the CLI does). */
async function convertFile(
  file: string,
  set: DescriptionSet,
  allowLoss: readonly string[],
): Promise<{ report: QemuConvertReport; output?: Uint8Array }> {
  let output: Uint8Array | undefined;
  const report = await convertFileForQemu(file, set, { allowLoss }, async (converted) => {
    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on('data', (c: Buffer) => chunks.push(c));
    await converted.writeTo(sink);
    output = Buffer.concat(chunks);
    expect(output.length).toBe(converted.size);
  });
  return output === undefined ? { report } : { report, output };
}

/** The targets the vectors' conversions cut for (LTIM into 5.2 and 7.2) and a legacy one. */
const TARGETS: [string, string][] = [
  ['7.2', 'pc-i440fx-7.2'],
  ['5.2', 'pc-i440fx-5.2'],
  ['7.2', 'pc-i440fx-2.3'],
];

describe('convertFileForQemu = convertForQemu over the bytes', () => {
  for (const [version, name] of STREAMS) {
    it(`${version}/${name}`, async () => {
      const { bytes, file } = input(version, name);
      for (const [dv, machine] of TARGETS) {
        const set = dump(dv, machine);
        const what = label(version, name, dv, machine);
        // Then with every loss the first attempt names allowed: the cases that cut and re-check.
        const first = await convertForQemu(bytes, set);
        const allow = first.report.losses.map((l) => l.path);
        for (const allowLoss of allow.length > 0 ? [[], allow] : [[]]) {
          const fromBytes = allowLoss.length === 0 ? first : await convertForQemu(bytes, set, { allowLoss });
          const fromFile = await convertFile(file, set, allowLoss);
          expect(fromFile.report, what).toEqual(fromBytes.report);
          expect(fromFile.output === undefined, what).toBe(fromBytes.output === undefined);
          if (fromBytes.output)
            expect(Buffer.compare(fromFile.output as Uint8Array, fromBytes.output), what).toBe(0);
        }
      }
    });
  }

  it('cuts: the LTIM stream converts for 7.2 only with i8259/ltim allowed, file and bytes alike', async () => {
    const { bytes, file } = input('10.0', 'ltim-pc-i440fx-7.2.mig.gz');
    const set = dump('7.2', 'pc-i440fx-7.2');
    const fromFile = await convertFile(file, set, ['i8259/ltim']);
    expect(fromFile.report.converted).toBe(true);
    expect(fromFile.report.losses.map((l) => l.path)).toEqual(['i8259::i8259/ltim']);
    const fromBytes = await convertForQemu(bytes, set, { allowLoss: ['i8259/ltim'] });
    expect(Buffer.compare(fromFile.output as Uint8Array, fromBytes.output as Uint8Array)).toBe(0);
    expect((fromFile.output as Uint8Array).length).toBeLessThan(bytes.length);
  });
});

describe('convertFileForQemu: temporary files', () => {
  /** Runs `fn` with os.tmpdir() pointing at an empty directory of its own; returns what is left. */
  async function leftIn(fn: () => Promise<unknown>): Promise<string[]> {
    const own = mkdtempSync(join(dir, 'tmp-'));
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = own;
    try {
      await fn().catch(() => undefined);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
    return readdirSync(own);
  }

  const ltim = () => input('10.0', 'ltim-pc-i440fx-7.2.mig.gz').file;
  const set = () => dump('7.2', 'pc-i440fx-7.2');

  it('a cut goes through a temporary file, removed after the output is written', async () => {
    let during: string[] = [];
    const left = await leftIn(async () => {
      const own = process.env.TMPDIR as string;
      await convertFileForQemu(ltim(), set(), { allowLoss: ['i8259/ltim'] }, async () => {
        during = readdirSync(own);
      });
    });
    expect(during.length).toBe(1);
    expect(left).toEqual([]);
  });

  it('a write that fails leaves no temporary file either', async () => {
    const left = await leftIn(() =>
      convertFileForQemu(ltim(), set(), { allowLoss: ['i8259/ltim'] }, async () => {
        throw new Error('disk full');
      }),
    );
    expect(left).toEqual([]);
  });

  it('a malformed stream is rejected (MigrationError) and leaves nothing', async () => {
    const bytes = readFileSync(ltim());
    const broken = join(dir, 'broken.mig');
    writeFileSync(broken, bytes.subarray(0, 5000));
    let error: unknown;
    const left = await leftIn(async () => {
      error = await convertFileForQemu(broken, set()).catch((e: unknown) => e);
    });
    expect(error).toBeInstanceOf(MigrationError);
    expect(left).toEqual([]);
  });
});

describe('checkStream: the bound on sections', () => {
  it('a stream with more sections than maxSections is a bound-exceeded MigrationError naming the place', async () => {
    const { bytes, file } = input('7.2', 'pc-paused.mig');
    const set = dump('7.2', 'pc-i440fx-7.2');
    const whole = await checkStream(file, set);
    expect(whole.sections).toBeGreaterThan(8);
    for (const source of [bytes, file]) {
      const e = await checkStream(source, set, { maxSections: 8 }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(MigrationError);
      const issue = (e as MigrationError).issues[0];
      expect(issue?.code).toBe('bound-exceeded');
      expect(issue?.message).toContain('more than 8 sections');
      expect(issue?.offset).toBeGreaterThan(0);
    }
    expect(await checkStream(file, set, { maxSections: 1000 })).toEqual(whole);
  });
});
