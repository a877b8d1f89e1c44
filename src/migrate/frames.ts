import { crc32 } from 'node:zlib';
import { fail } from '../errors/index.js';

/**
 * The wire between the two ends: frames of `u8 kind, be32 length, be32 crc32, payload`. DATA
 * frames carry the QEMU migration stream (their payloads, concatenated, are a stream `vmstate
 * analyze -` reads); CONTROL frames carry the small JSON control channel. The CRC is what QEMU's
 * stream lacks: a corrupted byte anywhere ends the migration instead of landing in guest memory.
 */
export const FrameKind = { DATA: 1, CONTROL: 2 } as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

export const FRAME_HEADER = 9;
/** Largest payload accepted: a corrupted length cannot make the receiver buffer without bound. */
export const MAX_FRAME = 4 << 20;

export function frameHeader(kind: FrameKind, payload: Uint8Array): Uint8Array {
  if (payload.length > MAX_FRAME) fail('bound-exceeded', `frame of ${payload.length} bytes`);
  const h = Buffer.allocUnsafe(FRAME_HEADER);
  h[0] = kind;
  h.writeUInt32BE(payload.length, 1);
  h.writeUInt32BE(crc32(payload), 5);
  return h;
}

export interface Frame {
  readonly kind: FrameKind;
  readonly payload: Uint8Array;
}

/**
 * Cuts incoming bytes into frames, checking kind, length and CRC. Holds at most one frame's bytes.
 * A bad frame is a `MigrationError` (the channel treats it as a broken connection).
 */
export class FrameParser {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  /** Bytes taken from the stream so far (for error offsets). */
  private consumed = 0;

  push(chunk: Uint8Array, emit: (frame: Frame) => void): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    for (;;) {
      if (this.buffered < FRAME_HEADER) return;
      const head = this.peek(FRAME_HEADER);
      const kind = head[0] as number;
      if (kind !== FrameKind.DATA && kind !== FrameKind.CONTROL) {
        fail('unexpected-byte', `frame kind 0x${kind.toString(16)}`, { offset: this.consumed });
      }
      const length = Buffer.from(head.buffer, head.byteOffset, head.length).readUInt32BE(1);
      if (length > MAX_FRAME) {
        fail('bound-exceeded', `frame of ${length} bytes (limit ${MAX_FRAME})`, {
          offset: this.consumed + 1,
        });
      }
      if (this.buffered < FRAME_HEADER + length) return;
      const crc = Buffer.from(head.buffer, head.byteOffset, head.length).readUInt32BE(5);
      const all = this.take(FRAME_HEADER + length);
      const payload = all.subarray(FRAME_HEADER);
      if (crc32(payload) !== crc) {
        fail('invalid-value', 'frame checksum mismatch: the connection corrupted data', {
          offset: this.consumed,
        });
      }
      this.consumed += FRAME_HEADER + length;
      emit({ kind: kind as FrameKind, payload });
    }
  }

  private peek(n: number): Uint8Array {
    const first = this.chunks[0] as Uint8Array;
    if (first.length >= n) return first.subarray(0, n);
    return this.gather(n, false);
  }

  private take(n: number): Uint8Array {
    const first = this.chunks[0] as Uint8Array;
    if (first.length >= n) {
      const out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.buffered -= n;
      return out;
    }
    return this.gather(n, true);
  }

  private gather(n: number, consume: boolean): Uint8Array {
    const out = new Uint8Array(n);
    let at = 0;
    let i = 0;
    while (at < n) {
      const c = this.chunks[i] as Uint8Array;
      const k = Math.min(c.length, n - at);
      out.set(c.subarray(0, k), at);
      at += k;
      if (consume) {
        if (k === c.length) this.chunks.shift();
        else this.chunks[0] = c.subarray(k);
      } else i++;
    }
    if (consume) this.buffered -= n;
    return out;
  }
}
