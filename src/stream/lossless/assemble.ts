import { type StreamSink, writeStream } from '../write/writer.js';
import { type DocumentReadOptions, readLosslessDocument } from './document-reader.js';
import { type AssembleOptions, checkLossless, itemsFromLossless } from './from-document.js';

/** Writes the stream a lossless document (parsed, in memory) describes; resolves with the number of bytes. */
export function assembleStream(
  doc: unknown,
  sink: StreamSink,
  options: AssembleOptions = {},
): Promise<number> {
  const checked = checkLossless(doc);
  return writeStream(itemsFromLossless(checked, options), sink, {
    pageSize: checked.pageSize,
    ...(options.ctx ? { ctx: options.ctx } : {}),
  });
}

/**
 * Writes the stream a lossless document file (a path, or an open descriptor such as a pipe)
 * describes, reading it once (document-reader.ts); resolves with the number of bytes.
 */
export async function assembleDocument(
  input: string | { readonly fd: number },
  sink: StreamSink,
  options: DocumentReadOptions = {},
): Promise<number> {
  const doc = readLosslessDocument(input, { reusePageBuffers: true, ...options });
  try {
    return await writeStream(doc.items, sink, {
      pageSize: doc.pageSize,
      ...(options.ctx ? { ctx: options.ctx } : {}),
    });
  } finally {
    doc.close();
  }
}
