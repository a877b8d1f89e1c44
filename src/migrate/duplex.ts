/**
 * What a migration end needs from a connection: ordered bytes both ways and a close signal. A TCP
 * or Unix socket fits through {@link socketDuplex}; {@link memoryPair} connects two ends in one
 * process (tests).
 */
export interface ByteDuplex {
  /** Queues bytes; resolves when the connection can take more (backpressure). */
  write(chunk: Uint8Array): Promise<void>;
  /** Sets the receiver of incoming bytes (one listener). */
  onData(listener: (chunk: Uint8Array) => void): void;
  /** Called once when the connection is gone (closed by either side or broken). */
  onClose(listener: (reason?: string) => void): void;
  /** Stops/resumes delivering incoming bytes (receive-side backpressure). */
  pause(): void;
  resume(): void;
  /** Closes both directions. Idempotent. */
  close(): void;
}

/** Bytes a socket may hold in user space before `write` waits (see socketDuplex). */
const IN_FLIGHT = 4 << 20;

/**
 * What {@link socketDuplex} uses of a Node duplex stream (`net.Socket`): written out, so that the
 * published types need no `@types/node`.
 */
export interface DuplexStream {
  readonly destroyed: boolean;
  readonly writableLength: number;
  on(event: 'error', listener: (e: Error) => void): unknown;
  on(event: 'data', listener: (chunk: Uint8Array) => void): unknown;
  on(event: 'close' | 'end' | 'drain', listener: () => void): unknown;
  off(event: 'close' | 'drain', listener: () => void): unknown;
  write(chunk: Uint8Array): unknown;
  end(): unknown;
  destroy(): unknown;
  pause(): unknown;
  resume(): unknown;
}

/** A Node duplex stream (`net.Socket`, a Unix socket) as a {@link ByteDuplex}. */
export function socketDuplex(socket: DuplexStream): ByteDuplex {
  let closed = false;
  const closers: ((reason?: string) => void)[] = [];
  let why: string | undefined;
  const end = (reason?: string) => {
    if (closed) return;
    closed = true;
    for (const c of closers) c(reason);
  };
  socket.on('error', (e) => {
    why = e.message;
  });
  socket.on('close', () => end(why));
  socket.on('end', () => socket.end());
  return {
    write(chunk) {
      if (closed || socket.destroyed) return Promise.resolve();
      return new Promise<void>((resolve) => {
        socket.write(chunk);
        // Keep a few MiB queued: waiting for a full drain after every chunk leaves the pipe idle.
        if (socket.writableLength <= IN_FLIGHT) resolve();
        else {
          const done = () => {
            socket.off('drain', done);
            socket.off('close', done);
            resolve();
          };
          socket.on('drain', done);
          socket.on('close', done);
        }
      });
    },
    onData(listener) {
      socket.on('data', (c: Uint8Array) => listener(c));
    },
    onClose(listener) {
      if (closed) listener(why);
      else closers.push(listener);
    },
    pause: () => socket.pause(),
    resume: () => socket.resume(),
    close() {
      // Graceful: what was written still arrives (a CONFIRM right before closing must not be lost).
      socket.end();
      setTimeout(() => socket.destroy(), 2_000).unref();
    },
  };
}

/** One direction of an in-memory connection: what the writer end hands to the reader end. */
export interface MemoryLink {
  /**
   * Delivers a chunk written by the sending end; the default passes it on unchanged. Fault
   * injection overrides it (`deliver` is the real delivery).
   */
  transfer(chunk: Uint8Array, deliver: (chunk: Uint8Array) => void, cut: () => void): void;
}

const passThrough: MemoryLink = { transfer: (chunk, deliver) => deliver(chunk) };

class MemoryEnd implements ByteDuplex {
  peer!: MemoryEnd;
  private listener: ((chunk: Uint8Array) => void) | undefined;
  private readonly closers: ((reason?: string) => void)[] = [];
  private readonly queue: Uint8Array[] = [];
  private paused = false;
  private flushing = false;
  closed = false;
  private reason: string | undefined;
  /** Set by the peer's graceful close: end once the queue is delivered. */
  private ending: { reason: string | undefined } | undefined;

  constructor(private readonly link: MemoryLink) {}

  write(chunk: Uint8Array): Promise<void> {
    if (this.closed) return Promise.resolve();
    // A copy: the writer may reuse its buffer, and the receiver keeps views into chunks.
    const copy = chunk.slice();
    this.link.transfer(
      copy,
      (c) => this.peer.receive(c),
      () => this.shut('connection cut'),
    );
    // Yield to the event loop so the receiving end runs, as a socket would let it.
    return new Promise((resolve) => setImmediate(resolve));
  }

  receive(chunk: Uint8Array): void {
    if (this.closed) return;
    this.queue.push(chunk);
    this.flush();
  }

  private flush(): void {
    if (this.flushing) return;
    this.flushing = true;
    while (!this.paused && !this.closed && this.queue.length > 0 && this.listener) {
      this.listener(this.queue.shift() as Uint8Array);
    }
    this.flushing = false;
    if (this.ending && this.queue.length === 0) this.end(this.ending.reason);
  }

  onData(listener: (chunk: Uint8Array) => void): void {
    this.listener = listener;
    this.flush();
  }

  onClose(listener: (reason?: string) => void): void {
    if (this.closed) listener(this.reason);
    else this.closers.push(listener);
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    setImmediate(() => this.flush());
  }

  /** Closes this end and its peer, as a dropped connection does. */
  shut(reason?: string): void {
    this.end(reason);
    this.peer.end(reason);
  }

  private end(reason?: string): void {
    if (this.closed) return;
    this.closed = true;
    this.reason = reason;
    this.queue.length = 0;
    for (const c of this.closers.splice(0)) c(reason);
  }

  /** Graceful close: bytes already written still reach the peer, then it sees the close. */
  close(): void {
    this.end('closed');
    this.peer.endAfterDrain('closed by peer');
  }

  endAfterDrain(reason: string): void {
    if (this.closed) return;
    this.ending = { reason };
    this.flush();
  }
}

/**
 * Two connected in-memory ends. `links` decide how each direction delivers (fault injection);
 * `aToB` carries what end `a` writes.
 */
export function memoryPair(
  links: { aToB?: MemoryLink; bToA?: MemoryLink } = {},
): [a: ByteDuplex, b: ByteDuplex] {
  const a = new MemoryEnd(links.aToB ?? passThrough);
  const b = new MemoryEnd(links.bToA ?? passThrough);
  a.peer = b;
  b.peer = a;
  return [a, b];
}
