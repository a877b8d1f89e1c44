import { closeSync, openSync, readSync } from 'node:fs';

const CHUNK = 1 << 20;

/**
 * Blocking reads from a file descriptor (a file path opened at the first read, or an fd such as
 * `blockingStdin()`), straight into one of two buffers used in turn, behind the bytes still unread:
 * no allocation per read, no thread-pool round trip, no second copy of each chunk. A window handed
 * out stays valid until the refill after next (the buffer being read into is never the one the
 * caller last saw).
 */
export class FdFeed {
  private readonly bufs: Uint8Array[] = [new Uint8Array(CHUNK), new Uint8Array(CHUNK)];
  private turn = 0;
  private fd: number | undefined;
  ended = false;

  constructor(private readonly input: string | number) {
    if (typeof input === 'number') this.fd = input;
  }

  /**
   * A buffer starting with `rest` (the caller's unread bytes) and then as many new bytes as fit in
   * it (room for `want` in all, and for at least as many new bytes as `rest` holds): returns it and
   * how much of it is filled.
   */
  refill(rest: Uint8Array, want: number): { buf: Uint8Array; end: number } {
    this.fd ??= openSync(this.input as string, 'r');
    let buf = this.bufs[this.turn] as Uint8Array;
    const size = Math.max(want, CHUNK, 2 * rest.length);
    if (buf.length < size) {
      buf = new Uint8Array(2 ** Math.ceil(Math.log2(size)));
      this.bufs[this.turn] = buf;
    }
    this.turn ^= 1;
    buf.set(rest, 0);
    let end = rest.length;
    // Filling the whole buffer: a pipe delivers 64 KiB per read; one window per 1 MiB keeps the
    // caller's per-refill work small.
    while (end < buf.length) {
      const got = readSync(this.fd, buf, end, buf.length - end, null);
      if (got === 0) {
        this.ended = true;
        break;
      }
      end += got;
    }
    return { buf, end };
  }

  close(): void {
    this.ended = true;
    if (typeof this.input === 'string' && this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
