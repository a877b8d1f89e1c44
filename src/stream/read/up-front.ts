import { stat } from 'node:fs/promises';
import type { ReaderState } from './reader-state.js';
import { findTrailer, readTrailer, tryParseVmdesc } from './trailer.js';
import type { Vmdesc } from './vmdesc.js';

/**
 * Before the first item: the input's size when it has one, and the vmdesc when it can be read
 * first (a file path or bytes; a pipe cannot be rewound) or is given, which also gives the page size.
 */
export async function prepare(r: ReaderState): Promise<void> {
  const o = r.options;
  if (r.source instanceof Uint8Array) r.inputSize = r.source.length;
  else if (typeof r.source === 'string') {
    try {
      const st = await stat(r.source);
      // A FIFO or device has no size to go by.
      if (st.isFile()) r.inputSize = st.size;
    } catch {
      // Opening it reports what is wrong.
    }
  }
  if (o.vmdesc !== undefined && o.vmdesc !== 'auto' && o.vmdesc !== 'none') r.useVmdesc(o.vmdesc);
  else if (o.vmdesc !== 'none') {
    let found: { text: string; vmdesc?: Vmdesc; problem?: string } | undefined;
    if (typeof r.source === 'string') {
      found = await readTrailer(r.source, o.vmdescLimits);
    } else if (r.source instanceof Uint8Array) {
      const bytes = r.source;
      const window = Math.min(bytes.length, (o.vmdescLimits?.maxBytes ?? 64 << 20) + 6);
      const at = findTrailer(bytes.subarray(bytes.length - window), bytes.length - window);
      if (at && at !== 'more') {
        // A device cannot describe more bytes than the whole stream has.
        const maxDeviceBytes = Math.min(o.vmdescLimits?.maxDeviceBytes ?? 64 << 20, bytes.length);
        found = tryParseVmdesc(at.bytes, at.offset, { ...o.vmdescLimits, maxDeviceBytes });
      }
    }
    // A damaged vmdesc: the sections are read without it, as for a stream that has none.
    if (found?.vmdesc) {
      r.useVmdesc(found.vmdesc);
      r.vmdescText = found.text;
    }
  }
  const size = o.pageSize ?? r.vmdesc?.page_size;
  if (size !== undefined) r.ram.setPageSize(size);
}
