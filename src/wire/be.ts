/**
 * Big-endian integers at a position in a byte array, unchecked: for callers that have already
 * made sure the bytes are there (a rolling window, a bulk scan). `Reader` is the checked cursor.
 */

export function be16(b: Uint8Array, p: number): number {
  return ((b[p] as number) << 8) | (b[p + 1] as number);
}

export function be32(b: Uint8Array, p: number): number {
  return (
    (((b[p] as number) << 24) |
      ((b[p + 1] as number) << 16) |
      ((b[p + 2] as number) << 8) |
      (b[p + 3] as number)) >>>
    0
  );
}

export function be64(b: Uint8Array, p: number): bigint {
  return (BigInt(be32(b, p)) << 32n) | BigInt(be32(b, p + 4));
}

/** `n` bytes from `p` as latin1 text (QEMU names are ASCII). */
export function latin1At(b: Uint8Array, p: number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(b[p + i] as number);
  return s;
}
