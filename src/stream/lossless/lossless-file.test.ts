import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeStream } from '../analyze/analyze.js';
import { encodeStream } from '../write/writer.js';
import { LOSSLESS_FORMAT, type LosslessDoc, losslessChunks } from './lossless.js';
import { losslessFileItems } from './lossless-file.js';

const dir = mkdtempSync(join(tmpdir(), 'vmstate-lossless-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('a lossless document file read piece by piece', () => {
  it("analyze's layout gives the stream's bytes back (with its vmdesc, read in a first pass)", async () => {
    const source = 'test/vectors/qemu-7.2/i440fx-7.2-slirp.mig';
    const a = await analyzeStream(source, { lossless: true });
    const path = write('doc.json', [...losslessChunks(a.lossless as LosslessDoc)].join(''));
    const doc = losslessFileItems(path);
    expect(doc?.pageSize).toBe(4096);
    expect(Buffer.from(encodeStream(doc?.items ?? [])).equals(readFileSync(source))).toBe(true);
  });

  it('other layouts are left to a whole parse; an empty item list is not a stream', () => {
    const doc: LosslessDoc = { format: LOSSLESS_FORMAT, pageSize: 4096, items: [{ header: { version: 3 } }] };
    expect(losslessFileItems(write('compact.json', JSON.stringify(doc)))).toBeUndefined();
    expect(losslessFileItems(write('two.json', JSON.stringify(doc, null, 2)))).toBeUndefined();
    expect(losslessFileItems(write('other.json', '{\n "format": "something-else",\n'))).toBeUndefined();
    expect(losslessFileItems(write('short.json', '{\n'))).toBeUndefined();
    const empty = losslessFileItems(write('empty.json', [...losslessChunks({ ...doc, items: [] })].join('')));
    expect(() => [...(empty?.items ?? ['not read'])]).toThrow(/without its "eof" item/);
  });

  it('a bad page size or a broken item is a MigrationError naming it', () => {
    const doc: LosslessDoc = {
      format: LOSSLESS_FORMAT,
      pageSize: 4096,
      items: [{ header: { version: 3 } }, { eof: {} }],
    };
    const text = [...losslessChunks(doc)].join('');
    expect(() => losslessFileItems(write('size.json', text.replace('4096', '1000')))).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ path: ['pageSize'] })] }),
    );
    const broken = losslessFileItems(write('broken.json', text.replace('"version": 3', '"version": 3,')));
    expect(() => [...(broken?.items ?? [])]).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ path: ['items', 0] })] }),
    );
  });
});
