import { MigrationError } from '../errors/index.js';
import type { ByteDuplex } from './duplex.js';
import { FrameKind, FrameParser, type FrameSink, frameHeader, MAX_FRAME } from './frames.js';
import { type ControlMessage, decodeMessage, encodeMessage } from './messages.js';

/** Why a connection stopped being usable. */
export type BreakKind = 'lost' | 'timeout' | 'corrupt' | 'protocol' | 'aborted';

/** The connection is gone (or timed out, or delivered garbage): the migration cannot go on over it. */
export class Broken extends Error {
  constructor(
    readonly kind: BreakKind,
    message: string,
  ) {
    super(message);
  }
}

/** Incoming DATA kept before the connection is paused (receive-side backpressure). */
const HIGH_WATER = 16 << 20;
const LOW_WATER = 4 << 20;

interface Waiter<T> {
  resolve(value: T): void;
  reject(error: Broken): void;
}

/**
 * One connection, framed: DATA (the QEMU stream) and CONTROL (messages) both ways. Every wait has
 * a timeout; a close, a timeout or a bad frame breaks the channel for good, and every pending and
 * later wait rejects with the same {@link Broken}.
 */
export class Channel {
  private readonly parser = new FrameParser();
  private readonly controls: ControlMessage[] = [];
  private controlWaiter: Waiter<ControlMessage> | undefined;
  private readonly data: Uint8Array[] = [];
  private dataBytes = 0;
  private dataEnded = false;
  private dataWaiter: Waiter<IteratorResult<Uint8Array>> | undefined;
  private paused = false;
  private failure: Broken | undefined;
  /** Bytes written (frame headers included). */
  sent = 0;

  constructor(
    private readonly duplex: ByteDuplex,
    /** Longest wait for anything from the peer while it should be sending. */
    private readonly idleMs: number,
  ) {
    duplex.onData((chunk) => {
      if (this.failure) return;
      try {
        this.parser.push(chunk, this.sink);
      } catch (e) {
        this.break(new Broken('corrupt', e instanceof MigrationError ? e.message : String(e)));
      }
    });
    duplex.onClose((reason) =>
      this.break(new Broken('lost', `connection closed${reason ? `: ${reason}` : ''}`)),
    );
  }

  get broken(): Broken | undefined {
    return this.failure;
  }

  private readonly sink: FrameSink = {
    data: (piece) => {
      if (this.failure) return;
      if (this.dataEnded) this.break(new Broken('protocol', 'stream data after the end of the stream'));
      else this.pushData(piece);
    },
    control: (payload) => {
      if (!this.failure) this.controlFrame(payload);
    },
  };

  private controlFrame(payload: Uint8Array): void {
    const message = decodeMessage(payload);
    if (!message) {
      this.break(new Broken('protocol', 'a control frame that is not a control message'));
      return;
    }
    // `complete` closes the stream: the reader sees its end before the message is handled.
    if (message.type === 'complete') this.endData();
    // An abort while the stream is still coming ends everything at once (no waiting for a stall).
    if (message.type === 'abort' && !this.dataEnded) {
      this.break(new Broken('aborted', `the source aborted: ${message.reason}`));
      return;
    }
    const w = this.controlWaiter;
    if (w) {
      this.controlWaiter = undefined;
      w.resolve(message);
    } else this.controls.push(message);
  }

  private pushData(chunk: Uint8Array): void {
    const w = this.dataWaiter;
    if (w) {
      this.dataWaiter = undefined;
      w.resolve({ done: false, value: chunk });
      return;
    }
    this.data.push(chunk);
    this.dataBytes += chunk.length;
    if (this.dataBytes > HIGH_WATER && !this.paused) {
      this.paused = true;
      this.duplex.pause();
    }
  }

  private endData(): void {
    this.dataEnded = true;
    const w = this.dataWaiter;
    if (w) {
      this.dataWaiter = undefined;
      w.resolve({ done: true, value: undefined });
    }
  }

  /** Breaks the channel (idempotent): pending and later waits reject, the connection is closed. */
  break(error: Broken): void {
    if (this.failure) return;
    this.failure = error;
    this.controlWaiter?.reject(error);
    this.controlWaiter = undefined;
    this.dataWaiter?.reject(error);
    this.dataWaiter = undefined;
    this.duplex.close();
  }

  /** Closes gracefully: what was sent still arrives. */
  close(): void {
    if (!this.failure) this.failure = new Broken('lost', 'closed');
    this.duplex.close();
  }

  private async sendFrame(kind: FrameKind, payload: Uint8Array): Promise<void> {
    if (this.failure) throw this.failure;
    this.sent += payload.length + 9;
    await this.duplex.write(frameHeader(kind, payload));
    await this.duplex.write(payload);
    if (this.failure) throw this.failure;
  }

  async send(message: ControlMessage): Promise<void> {
    await this.sendFrame(FrameKind.CONTROL, encodeMessage(message));
  }

  /** Sends stream bytes (in frames of at most MAX_FRAME); `checked: false` leaves out the CRC. */
  async sendData(bytes: Uint8Array, checked = true): Promise<void> {
    const kind = checked ? FrameKind.DATA : FrameKind.DATA_UNCHECKED;
    for (let at = 0; at < bytes.length; at += MAX_FRAME) {
      await this.sendFrame(kind, bytes.subarray(at, at + MAX_FRAME));
    }
  }

  private wait<T>(ms: number, what: string, arm: (w: Waiter<T>) => void): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => this.break(new Broken('timeout', `no ${what} within ${ms} ms`)), ms);
      arm({
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
  }

  /** The next control message, waiting at most `ms` (default: the idle timeout). */
  next(ms = this.idleMs): Promise<ControlMessage> {
    const queued = this.controls.shift();
    if (queued) return Promise.resolve(queued);
    return this.wait<ControlMessage>(ms, 'message from the peer', (w) => {
      this.controlWaiter = w;
    });
  }

  /** Waits for a message of one of `types`; anything else is a protocol error. */
  async expect<T extends ControlMessage['type']>(
    types: readonly T[],
    ms = this.idleMs,
  ): Promise<Extract<ControlMessage, { type: T }>> {
    const m = await this.next(ms);
    if (!(types as readonly string[]).includes(m.type)) {
      const e = new Broken('protocol', `expected ${types.join(' or ')}, got ${m.type}`);
      this.break(e);
      throw e;
    }
    return m as Extract<ControlMessage, { type: T }>;
  }

  /** The incoming QEMU stream, chunk by chunk; ends at `complete`; stalls longer than the idle timeout break it. */
  stream(): AsyncIterable<Uint8Array> {
    return {
      [Symbol.asyncIterator]: () => ({
        next: (): Promise<IteratorResult<Uint8Array>> => {
          const chunk = this.data.shift();
          if (chunk) {
            this.dataBytes -= chunk.length;
            if (this.paused && this.dataBytes < LOW_WATER) {
              this.paused = false;
              this.duplex.resume();
            }
            return Promise.resolve({ done: false, value: chunk });
          }
          if (this.dataEnded) return Promise.resolve({ done: true, value: undefined });
          return this.wait<IteratorResult<Uint8Array>>(this.idleMs, 'stream data', (w) => {
            this.dataWaiter = w;
          });
        },
        return: (): Promise<IteratorResult<Uint8Array>> => Promise.resolve({ done: true, value: undefined }),
      }),
    };
  }
}
