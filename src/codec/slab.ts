/**
 * Decoded byte fields are copied out of the input (state never aliases it), but a fresh
 * ArrayBuffer per field costs more than decoding the rest of a device: V8 allocates one outside
 * its heap for anything above 64 bytes. Small fields are instead copied into a shared slab, the
 * way Node pools `Buffer.allocUnsafe`: each is its own range of it, so a decoded `Uint8Array`
 * may have a non-zero `byteOffset` and share `.buffer` with other decoded fields (never with the
 * input, and never with bytes handed out before). Larger fields get their own buffer.
 */
const SLAB_SIZE = 8192;
/** Fields above this get their own ArrayBuffer (as Node's pool, half the slab). */
const SLAB_MAX_FIELD = SLAB_SIZE >>> 1;

let slab = new ArrayBuffer(SLAB_SIZE);
let used = 0;

/** A copy of `bytes` that does not alias them. */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  const n = bytes.length;
  if (n === 0 || n > SLAB_MAX_FIELD) {
    // Not `bytes.slice()`: on a Node Buffer that is a view.
    const own = new Uint8Array(n);
    own.set(bytes);
    return own;
  }
  if (used + n > SLAB_SIZE) {
    slab = new ArrayBuffer(SLAB_SIZE);
    used = 0;
  }
  const out = new Uint8Array(slab, used, n);
  out.set(bytes);
  // Keep ranges 8-aligned, as Node's pool does, so typed views of other widths stay possible.
  used = (used + n + 7) & ~7;
  return out;
}
