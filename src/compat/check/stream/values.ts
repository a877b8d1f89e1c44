/** How a run of sent bytes reads in a report: an integer for 1–8 bytes, else a short hex dump. */
export function formatValue(bytes: Uint8Array): string {
  if (bytes.length === 0) return '(no bytes)';
  if (bytes.length <= 8) {
    let hex = '';
    for (const b of bytes) hex += b.toString(16).padStart(2, '0');
    const trimmed = hex.replace(/^(?:00)+(?=..)/, '');
    return `0x${trimmed}`;
  }
  if (isZero(bytes)) return `${bytes.length} zero bytes`;
  let hex = '';
  for (const b of bytes.subarray(0, 16)) hex += b.toString(16).padStart(2, '0');
  return `${bytes.length} bytes ${hex}${bytes.length > 16 ? '…' : ''}`;
}

export function isZero(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b !== 0) return false;
  return true;
}
