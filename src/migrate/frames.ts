import { crc32 } from 'node:zlib';
import { fail } from '../errors/index.js';

/**
 * The wire between the two ends: frames of `u8 kind, be32 length, be32 crc32, payload`. DATA
 * frames carry the QEMU migration stream (their payloads, concatenated, are a stream `vmstate
 * analyze -` reads); CONTROL frames carry the small JSON control channel. The CRC is what QEMU's
 * stream lacks: a corrupted byte anywhere ends the migration instead of landing in guest memory.
 * DATA_UNCHECKED frames (the source's `checksum: false`) carry stream bytes without a CRC, as
 * QEMU does, leaving integrity to the transport (TCP's checksum); CONTROL frames are always checked.
 */
export const FrameKind = { DATA: 1, CONTROL: 2, DATA_UNCHECKED: 3 } as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

export const FRAME_HEADER = 9;
/** Largest payload accepted: a corrupted length cannot make the receiver buffer without bound. */
export const MAX_FRAME = 4 << 20;

export function frameHeader(kind: FrameKind, payload: Uint8Array): Uint8Array {
  if (payload.length > MAX_FRAME) fail('bound-exceeded', `frame of ${payload.length} bytes`);
  const h = Buffer.allocUnsafe(FRAME_HEADER);
  h[0] = kind;
  h.writeUInt32BE(payload.length, 1);
  h.writeUInt32BE(kind === FrameKind.DATA_UNCHECKED ? 0 : crc32(payload), 5);
  return h;
}

export interface FrameSink {
  /** A piece of a DATA frame's payload, in order; checked only at the frame's end (see below). */
  data(piece: Uint8Array): void;
  /** A whole CONTROL frame's payload, already checked. */
  control(payload: Uint8Array): void;
}

/**
 * Cuts incoming bytes into frames, checking kind, length and CRC. DATA payloads are passed on
 * piece by piece as they arrive (no copy) and their CRC is checked when the frame ends: the
 * destination only stages what it receives, and it acks only after the last frame was checked,
 * so an unchecked byte can never become live state. CONTROL frames are held until checked.
 * A bad frame is a `MigrationError` (the channel treats it as a broken connection).
 */
export class FrameParser {
  private head = new Uint8Array(FRAME_HEADER);
  private headFill = 0;
  private kind: FrameKind = FrameKind.DATA;
  private expectedCrc = 0;
  private left = 0;
  private length = 0;
  private crc = 0;
  private control: Uint8Array | undefined;
  private controlFill = 0;
  private inFrame = false;
  /** Bytes taken from the stream so far (for error offsets). */
  private consumed = 0;

  push(chunk: Uint8Array, sink: FrameSink): void {
    let at = 0;
    while (at < chunk.length) {
      if (!this.inFrame) {
        const k = Math.min(FRAME_HEADER - this.headFill, chunk.length - at);
        this.head.set(chunk.subarray(at, at + k), this.headFill);
        this.headFill += k;
        at += k;
        if (this.headFill < FRAME_HEADER) return;
        this.startFrame();
        if (this.left === 0) this.endFrame(sink);
        continue;
      }
      const k = Math.min(this.left, chunk.length - at);
      const piece = chunk.subarray(at, at + k);
      at += k;
      this.left -= k;
      if (this.kind !== FrameKind.DATA_UNCHECKED) this.crc = crc32(piece, this.crc);
      if (this.control) {
        this.control.set(piece, this.controlFill);
        this.controlFill += k;
      } else sink.data(piece);
      if (this.left === 0) this.endFrame(sink);
    }
  }

  private startFrame(): void {
    const h = Buffer.from(this.head.buffer, this.head.byteOffset, FRAME_HEADER);
    const kind = h[0] as number;
    if (kind !== FrameKind.DATA && kind !== FrameKind.CONTROL && kind !== FrameKind.DATA_UNCHECKED) {
      fail('unexpected-byte', `frame kind 0x${kind.toString(16)}`, { offset: this.consumed });
    }
    const length = h.readUInt32BE(1);
    if (length > MAX_FRAME) {
      fail('bound-exceeded', `frame of ${length} bytes (limit ${MAX_FRAME})`, { offset: this.consumed + 1 });
    }
    this.kind = kind as FrameKind;
    this.expectedCrc = h.readUInt32BE(5);
    this.left = length;
    this.length = length;
    this.crc = 0;
    this.inFrame = true;
    this.control = kind === FrameKind.CONTROL ? new Uint8Array(length) : undefined;
    this.controlFill = 0;
  }

  private endFrame(sink: FrameSink): void {
    if (this.kind !== FrameKind.DATA_UNCHECKED && this.crc !== this.expectedCrc) {
      fail('invalid-value', 'frame checksum mismatch: the connection corrupted data', {
        offset: this.consumed,
      });
    }
    this.consumed += FRAME_HEADER + this.length;
    this.inFrame = false;
    this.headFill = 0;
    const control = this.control;
    this.control = undefined;
    if (this.kind === FrameKind.CONTROL) sink.control(control as Uint8Array);
  }
}
