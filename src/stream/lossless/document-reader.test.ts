import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeStream } from '../analyze/analyze.js';
import type { StreamItem } from '../read/items.js';
import { encodeStream } from '../write/writer.js';
import { NotJson, readLosslessDocument } from './document-reader.js';
import { itemsFromLossless } from './from-document.js';
import { LOSSLESS_FORMAT, type LosslessDoc, losslessChunks } from './lossless.js';

const dir = mkdtempSync(join(tmpdir(), 'vmstate-lossless-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const SOURCE = 'test/vectors/qemu-7.2/i440fx-7.2-slirp.mig';
const textOf = (doc: LosslessDoc) => [...losslessChunks(doc)].join('');
const docOf = async (source: string) =>
  (await analyzeStream(source, { lossless: true })).lossless as LosslessDoc;
const bytesOf = (items: Iterable<StreamItem>) => Buffer.from(encodeStream(items));

describe('a lossless document file read once, front to back', () => {
  it("analyze's layout gives the stream's bytes back (the vmdesc comes last: the devices wait for it)", async () => {
    const doc = readLosslessDocument(write('doc.json', textOf(await docOf(SOURCE))));
    expect(doc.pageSize).toBe(4096);
    expect(bytesOf(doc.items).equals(readFileSync(SOURCE))).toBe(true);
  });

  it('reads a pipe-like descriptor the same way', async () => {
    const path = write('fd.json', textOf(await docOf(SOURCE)));
    const { openSync, closeSync } = await import('node:fs');
    const fd = openSync(path, 'r');
    try {
      expect(bytesOf(readLosslessDocument({ fd }).items).equals(readFileSync(SOURCE))).toBe(true);
    } finally {
      closeSync(fd);
    }
  });

  it('items laid out otherwise (edited by hand) give the same items as a whole parse', async () => {
    const doc = await docOf(SOURCE);
    const expected = bytesOf(itemsFromLossless(doc));
    // Every item on one line, or indented differently, with Windows line ends: found by its braces.
    const compactItems = textOf(doc).replace(
      /\n {2}\{[\s\S]*?\n {2}\}(?=,\n|\n \])/g,
      (m) => `\n  ${JSON.stringify(JSON.parse(m))}`,
    );
    expect(compactItems).not.toBe(textOf(doc));
    expect(bytesOf(readLosslessDocument(write('one-line.json', compactItems)).items).equals(expected)).toBe(
      true,
    );
    const crlf = textOf(doc).replace(/\n/g, '\r\n');
    expect(bytesOf(readLosslessDocument(write('crlf.json', crlf)).items).equals(expected)).toBe(true);
    // Another head (key order, indentation): parsed whole.
    for (const text of [JSON.stringify(doc), JSON.stringify(doc, null, 2)]) {
      expect(bytesOf(readLosslessDocument(write('other.json', text)).items).equals(expected)).toBe(true);
    }
  });

  it('a page in the fast layout is checked as strictly as one parsed as JSON', async () => {
    const text = textOf(await docOf('test/vectors/qemu-7.2/pc-paused.mig'));
    const page = /"base64": "([A-Za-z0-9+/]{8})/.exec(text);
    expect(page).not.toBeNull();
    const broken = text.replace(page?.[0] ?? '', `"base64": "${(page?.[1] ?? '').slice(0, 7)}-`);
    const doc = readLosslessDocument(write('bad-page.json', broken));
    expect(() => [...doc.items]).toThrow(
      expect.objectContaining({
        issues: [
          expect.objectContaining({ code: 'invalid-value', path: expect.arrayContaining(['base64']) }),
        ],
      }),
    );
  });

  it('a page whose base64 holds a JSON escape is read as JSON (the escape decoded)', async () => {
    const text = textOf(await docOf('test/vectors/qemu-7.2/pc-paused.mig'));
    const page = /"base64": "([A-Za-z0-9+/]{8})/.exec(text);
    const first = page?.[1]?.[0] ?? '';
    const escaped = text.replace(
      page?.[0] ?? '',
      `"base64": "\\u00${first.charCodeAt(0).toString(16)}${page?.[1]?.slice(1)}`,
    );
    expect(escaped).not.toBe(text);
    const doc = readLosslessDocument(write('escaped.json', escaped));
    expect(bytesOf(doc.items).equals(readFileSync('test/vectors/qemu-7.2/pc-paused.mig'))).toBe(true);
  });

  it('not JSON, a bad page size, a broken item, a cut document: each named', () => {
    expect(() => readLosslessDocument(write('not.json', '{ nope'))).toThrow(NotJson);
    const doc: LosslessDoc = {
      format: LOSSLESS_FORMAT,
      pageSize: 4096,
      items: [{ header: { version: 3 } }, { eof: {} }],
    };
    const text = textOf(doc);
    expect(() => readLosslessDocument(write('size.json', text.replace('4096', '1000')))).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ path: ['pageSize'] })] }),
    );
    const broken = readLosslessDocument(write('broken.json', text.replace('"version": 3', '"version": 3,')));
    expect(() => [...broken.items]).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ path: ['items', 0] })] }),
    );
    const cut = readLosslessDocument(write('cut.json', text.slice(0, text.indexOf('"eof"') - 8)));
    expect(() => [...cut.items]).toThrow(
      expect.objectContaining({
        issues: [expect.objectContaining({ code: 'truncated', path: ['items', 1] })],
      }),
    );
    const empty = readLosslessDocument(write('empty.json', textOf({ ...doc, items: [] })));
    expect(() => [...empty.items]).toThrow(/without its "eof" item/);
    const after = readLosslessDocument(write('after.json', `${text}{}`));
    expect(() => [...after.items]).toThrow(/goes on after its closing/);
  });

  it('devices waiting for the vmdesc are bounded', async () => {
    const doc = readLosslessDocument(write('held.json', textOf(await docOf(SOURCE))), { maxHeldBytes: 1000 });
    expect(() => [...doc.items]).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ code: 'bound-exceeded' })] }),
    );
  });
});
