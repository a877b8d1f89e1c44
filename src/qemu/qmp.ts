/**
 * A QMP client: JSON lines over a unix socket, replies matched by `id`, events kept for whoever
 * waits on them. No npm QMP client was fit to use (the one on the registry is untyped, one
 * release, depends on `split`), and the protocol is small.
 */
import { createConnection, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { within } from './process.js';

/** A QMP `error` reply. */
export class QmpError extends Error {
  constructor(
    readonly command: string,
    readonly errorClass: string,
    readonly desc: string,
  ) {
    super(`QMP command '${command}' failed: ${errorClass}: ${desc}`);
    this.name = 'QmpError';
  }
}

/** The QMP connection closed (usually: QEMU exited) before the reply arrived. */
export class QmpClosedError extends Error {
  constructor(
    readonly command: string,
    detail: string,
  ) {
    super(`QMP connection closed while waiting for '${command}'${detail === '' ? '' : `: ${detail}`}`);
    this.name = 'QmpClosedError';
  }
}

export type QmpArgs = Readonly<Record<string, unknown>>;

/** One asynchronous QMP event (`STOP`, `MIGRATION`, …). */
export interface QmpEvent {
  readonly event: string;
  readonly data?: Readonly<Record<string, unknown>>;
}

interface Pending {
  readonly command: string;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

export interface QmpConnectOptions {
  /** Give up connecting after this long (default 10 s). */
  readonly timeoutMs?: number;
  /** Default per-command timeout (default 10 s). */
  readonly commandTimeoutMs?: number;
  /** Stop retrying early when this returns a reason (e.g. the QEMU process exited). */
  readonly abortReason?: () => string | undefined;
  /** Extra text appended to connection-lost errors (e.g. QEMU's stderr). */
  readonly context?: () => string;
}

/** At most this many events are kept; older ones are dropped (a guest can emit them forever). */
const MAX_EVENTS = 256;

export class QmpClient {
  #buffer = '';
  #nextId = 1;
  #closed = false;
  readonly #events: QmpEvent[] = [];
  readonly #pending = new Map<number, Pending>();
  readonly #greeting: Promise<unknown>;
  #greetingResolve: ((v: unknown) => void) | undefined;
  #greetingReject: ((e: Error) => void) | undefined;

  private constructor(
    private readonly socket: Socket,
    private readonly commandTimeoutMs: number,
    private readonly context: () => string,
  ) {
    this.#greeting = new Promise((res, rej) => {
      this.#greetingResolve = res;
      this.#greetingReject = rej;
    });
    this.#greeting.catch(() => undefined); // observed by connect(); never an unhandled rejection
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.#onData(chunk));
    socket.on('error', () => this.#onClose());
    socket.on('close', () => this.#onClose());
  }

  /** Connects (retrying until the socket accepts), reads the greeting and negotiates capabilities. */
  static async connect(path: string, options: QmpConnectOptions = {}): Promise<QmpClient> {
    const deadline = Date.now() + (options.timeoutMs ?? 10_000);
    let lastError: unknown;
    for (;;) {
      const abort = options.abortReason?.();
      if (abort !== undefined) throw new Error(`cannot connect to QMP at ${path}: ${abort}`);
      try {
        const socket = await connectOnce(path);
        const client = new QmpClient(
          socket,
          options.commandTimeoutMs ?? 10_000,
          options.context ?? (() => ''),
        );
        try {
          const greeting = await within(client.#greeting, Math.max(1, deadline - Date.now()));
          if (greeting === undefined) throw new Error('no QMP greeting');
          await client.command('qmp_capabilities');
          return client;
        } catch (e) {
          client.close();
          throw e;
        }
      } catch (e) {
        lastError = e;
      }
      if (Date.now() >= deadline) {
        throw new Error(`cannot connect to QMP at ${path}: ${String(lastError)}`, { cause: lastError });
      }
      await sleep(25);
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Events received so far (the newest MAX_EVENTS), oldest first. */
  get events(): readonly QmpEvent[] {
    return this.#events;
  }

  /** Runs one QMP command; rejects with QmpError on an `error` reply, or on timeout / closed socket. */
  command<T = unknown>(name: string, args?: QmpArgs, timeoutMs = this.commandTimeoutMs): Promise<T> {
    if (this.#closed) return Promise.reject(new QmpClosedError(name, this.context()));
    const id = this.#nextId++;
    const msg: Record<string, unknown> = { execute: name, id };
    if (args !== undefined) msg.arguments = args;
    return new Promise<T>((res, rej) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        rej(new Error(`QMP command '${name}' timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, { command: name, resolve: res as (v: unknown) => void, reject: rej, timer });
      this.socket.write(`${JSON.stringify(msg)}\n`);
    });
  }

  close(): void {
    this.socket.destroy();
    this.#onClose();
  }

  #onData(chunk: string): void {
    this.#buffer += chunk;
    for (let nl = this.#buffer.indexOf('\n'); nl >= 0; nl = this.#buffer.indexOf('\n')) {
      const line = this.#buffer.slice(0, nl).trim();
      this.#buffer = this.#buffer.slice(nl + 1);
      if (line === '') continue;
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line) as Record<string, unknown>;
      } catch {
        this.close(); // not QMP: fail every pending command instead of throwing from an event handler
        return;
      }
      this.#onMessage(msg);
    }
    if (this.#buffer.length > 16 * 1024 * 1024) this.close(); // a line that never ends is not QMP
  }

  #onMessage(msg: Record<string, unknown>): void {
    if ('QMP' in msg) {
      this.#greetingResolve?.(msg.QMP);
      return;
    }
    if (typeof msg.event === 'string') {
      const data = msg.data as Record<string, unknown> | undefined;
      this.#events.push({ event: msg.event, ...(data === undefined ? {} : { data }) });
      if (this.#events.length > MAX_EVENTS) this.#events.shift();
      return;
    }
    const id = msg.id;
    const pending = typeof id === 'number' ? this.#pending.get(id) : undefined;
    if (pending === undefined) return;
    this.#pending.delete(id as number);
    clearTimeout(pending.timer);
    if ('error' in msg) {
      const err = (msg.error ?? {}) as { class?: unknown; desc?: unknown };
      pending.reject(new QmpError(pending.command, String(err.class), String(err.desc)));
    } else {
      pending.resolve(msg.return);
    }
  }

  #onClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.socket.destroy();
    this.#greetingReject?.(new Error('QMP connection closed before the greeting'));
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.reject(new QmpClosedError(p.command, this.context()));
    }
    this.#pending.clear();
  }
}

function connectOnce(path: string): Promise<Socket> {
  return new Promise((res, rej) => {
    const s = createConnection(path);
    const onError = (e: Error): void => {
      s.destroy();
      rej(e);
    };
    s.once('error', onError);
    s.once('connect', () => {
      s.off('error', onError);
      res(s);
    });
  });
}
