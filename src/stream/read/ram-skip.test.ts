import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MigrationError } from '../../errors/index.js';
import type { StreamItem } from './items.js';
import { type ReadOptions, readStream } from './reader.js';

const vector = (name: string) =>
  new Uint8Array(readFileSync(new URL(`../../../test/vectors/qemu-7.2/${name}`, import.meta.url)));

/** Pages and zero pages seen, the other items' types in order, or the error's code and offset. */
async function outline(bytes: Uint8Array, options: ReadOptions, chunk?: number) {
  let pages = 0;
  let zeroPages = 0;
  const types: string[] = [];
  const source =
    chunk === undefined
      ? bytes
      : (function* () {
          for (let i = 0; i < bytes.length; i += chunk) yield bytes.slice(i, i + chunk);
        })();
  try {
    for await (const item of readStream(source, options)) {
      const it = item as StreamItem;
      if (it.type === 'ram-page') pages++;
      else if (it.type === 'ram-zero') zeroPages++;
      else if (it.type === 'ram-skipped') {
        pages += it.pages;
        zeroPages += it.zeroPages;
      } else types.push(it.type);
    }
  } catch (e) {
    if (!(e instanceof MigrationError)) throw e;
    return { pages, zeroPages, types, error: `${e.code}@${e.issues[0]?.offset}: ${e.message}` };
  }
  return { pages, zeroPages, types };
}

describe("ramPages: 'count'", () => {
  for (const name of ['pc-paused.mig', 'i440fx-7.2.mig', 'q35-7.2.mig', 'i440fx-2.2.mig']) {
    it(`${name}: the same pages, zero pages and other items as reading every page`, async () => {
      const bytes = vector(name);
      const items = await outline(bytes, {});
      expect(items.pages + items.zeroPages).toBeGreaterThan(0);
      expect(await outline(bytes, { ramPages: 'count' })).toEqual(items);
      // Chunks that split records anywhere (a chunked source has no vmdesc up front: compared alike).
      const chunked = await outline(bytes, {}, 4099);
      expect(await outline(bytes, { ramPages: 'count' }, 4099)).toEqual(chunked);
    });
  }

  it('a damaged stream fails with the same error, at the same offset', async () => {
    const good = vector('pc-paused.mig');
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: good.length - 1 }),
        fc.integer({ min: 0, max: 255 }),
        async (at, byte) => {
          const bytes = good.slice();
          bytes[at] = byte;
          const items = await outline(bytes, { vmdesc: 'none' });
          const counted = await outline(bytes, { vmdesc: 'none', ramPages: 'count' });
          expect(counted.error).toEqual(items.error);
          if (items.error === undefined) expect(counted).toEqual(items);
        },
      ),
      { numRuns: 60 },
    );
  });
});
