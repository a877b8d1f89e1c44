import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { captureOutput } from '../../test/support/captured-output.js';
import { dumpSetFromText } from '../compat/check/dump-text.js';
import { fromDumpVmstate } from '../compat/check/from-dump.js';
import { checkDumpsFast, dumpCheckArgs } from './check-dumps.js';
import { jsonDepthOf } from './json-depth.js';
import { main } from './main.js';

const io = captureOutput();
const scratch = mkdtempSync(join(tmpdir(), 'vmstate-check-dumps-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const vectors = join(import.meta.dirname, '../../test/vectors');
const corpus = (name: string, file: string) =>
  join(import.meta.dirname, '../../test/check/corpus', name, file);

function unzipped(version: string, name: string): string {
  const out = join(scratch, `${version}-${name}`);
  writeFileSync(out, gunzipSync(readVector(version, `${name}.gz`)));
  return out;
}

function readVector(version: string, name: string): Buffer {
  return readFileSync(join(vectors, `qemu-${version}`, name));
}

describe('dumpCheckArgs: the fast path takes only what it parses the way commander does', () => {
  it('takes two .json inputs with --json, --hide-info and --direction', () => {
    expect(dumpCheckArgs(['a.json', 'B.JSON'])).toEqual({
      source: 'a.json',
      destination: 'B.JSON',
      options: { direction: 'both' },
    });
    expect(dumpCheckArgs(['--json', 'a.json', '--direction', 'forward', 'b.json', '--hide-info'])).toEqual({
      source: 'a.json',
      destination: 'b.json',
      options: { direction: 'forward', json: true, hideInfo: true },
    });
    expect(dumpCheckArgs(['a.json', 'b.json', '--direction=backward'])?.options.direction).toBe('backward');
  });

  it('leaves everything else to commander', () => {
    for (const args of [
      ['a.json'],
      ['a.json', 'b.json', 'c.json'],
      ['a.json', 'b.ts'],
      ['-', 'b.json'],
      ['a.json', 'b.json', '--help'],
      ['a.json', 'b.json', '-h'],
      ['a.json', 'b.json', '--machine', 'pc'],
      ['a.json', 'b.json', '--direction', 'sideways'],
      ['a.json', 'b.json', '--direction'],
      ['a.json', 'b.json', '--direction', '--json'],
      ['a.json', '--', 'b.json'],
      ['a.json', 'b.json', '--jsonx'],
    ]) {
      expect(dumpCheckArgs(args), args.join(' ')).toBeUndefined();
    }
  });
});

describe('checkDumpsFast prints exactly what the command does', () => {
  const real72 = unzipped('7.2', 'dump-pc-i440fx-7.2.json');
  const real100 = unzipped('10.0', 'dump-pc-i440fx-7.2.json');
  const real52 = unzipped('5.2', 'dump-pc-q35-5.2.json');
  const notJson = join(scratch, 'not.json');
  writeFileSync(notJson, 'not json');
  const deep = join(scratch, 'deep.json');
  writeFileSync(deep, `${'['.repeat(4500)}${']'.repeat(4500)}`);
  const empty = join(scratch, 'empty.json');
  writeFileSync(empty, '{}');
  const cases: string[][] = [
    [real72, real100],
    [real100, real72, '--json'],
    [real52, real100, '--hide-info', '--direction', 'backward'],
    [
      corpus('qemu-static-checker-data', 'source.json'),
      corpus('qemu-static-checker-data', 'destination.json'),
    ],
    [corpus('section-renamed', 'source.json'), corpus('section-renamed', 'destination.json'), '--json'],
    [join(scratch, 'missing.json'), real72],
    [real72, notJson, '--json'],
    [notJson, deep],
    [empty, real72],
  ];

  it.each(cases.map((c) => [c.map((a) => a.replace(`${scratch}/`, '')).join(' '), c]))(
    '%s',
    async (_label, args) => {
      const fastCode = await checkDumpsFast(args as string[]);
      const fast = { out: io.out, err: io.err };
      io.out = '';
      io.err = '';
      const code = await main(['check', ...(args as string[])]);
      expect(fastCode).toBe(code);
      expect(fast).toEqual({ out: io.out, err: io.err });
    },
  );

  it('hands a migration stream named .json back to the command table', async () => {
    const stream = join(scratch, 'stream.json');
    writeFileSync(stream, readVector('7.2', 'pc-paused.mig'));
    expect(await checkDumpsFast([stream, real72])).toBeUndefined();
    expect(io.out).toBe('');
  });
});

/** The depth as the byte-by-byte scan measured it before: brackets outside strings. */
function referenceDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  let escaped = false;
  for (const ch of text) {
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{' || ch === '[') max = Math.max(max, ++depth);
    else if (ch === '}' || ch === ']') depth--;
  }
  return max;
}

describe('jsonDepthOf', () => {
  it('agrees with a character-by-character scan, on JSON and on any text of JSON characters', () => {
    const pieces = fc.constantFrom('{', '}', '[', ']', '"', '\\', '\\\\', '\\"', 'a', ' ', ':', ',', '\n');
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 60 }), (parts) => {
        const text = parts.join('');
        expect(jsonDepthOf(text)).toBe(referenceDepth(text));
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), (value) => {
        const text = JSON.stringify(value, null, 1);
        expect(jsonDepthOf(text)).toBe(referenceDepth(text));
      }),
      { numRuns: 500 },
    );
  });
});

describe('dumpSetFromText', () => {
  const field = (key: string) =>
    `{"vmschkmachine":{"Name":"pc"},"dev":{"Name":"dev","version_id":1,"minimum_version_id":1,` +
    `"Description":{"name":"dev","version_id":1,"minimum_version_id":1,"Fields":[{"field":"a",` +
    `"version_id":0,"field_exists":false,"size":4${key}}]}}}`;

  it('knows a dump records counts exactly when fromDumpVmstate does, escapes or not', () => {
    for (const extra of [
      '',
      ',"num":  2',
      ',"num" : 2',
      ',"x":"\\"num\\": 1"',
      ',"\\u006eum":2',
      ',"a\\"num":2',
      ',"numb":2',
      ',"x":"num"',
    ]) {
      const text = field(extra);
      const fromText = dumpSetFromText(text, 'f.json', 'f.json');
      const fromJson = fromDumpVmstate(JSON.parse(text), 'f.json');
      expect(fromText, extra).toEqual(fromJson);
      const counted = (s: typeof fromText) => s.sections.get('dev')?.description.fields[0]?.countsRecorded;
      expect(counted(fromText), extra).toBe(counted(fromJson));
    }
  });
});
