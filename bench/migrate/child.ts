import net from 'node:net';
import { defineVersions } from '../../src/compat/index.js';
import { defineMachines, field, uint32, vmsd } from '../../src/index.js';
import { MigrationDestination, migrateSource, socketDuplex, TrackedMemory } from '../../src/migrate/index.js';

/**
 * One end of the migration benchmark, in its own process (driven by run.ts over IPC): `dest`
 * listens for migrations and raw copies; `source` holds the memory, a guest that dirties it at a
 * set rate, and migrates or raw-copies it on request.
 */

const machines = defineMachines({ defaults: {}, types: [{ name: 'bench' }] });
const cpu = vmsd('cpu', {
  version: 1,
  minimumVersion: 1,
  fields: [field('pc', uint32), field('ticks', uint32)],
});
const versions = defineVersions({
  machines,
  versions: [{ name: 'r', sections: [cpu], machines: ['bench'] }],
});
const release = versions.version('r');
const ctx = machines.context('bench');
const PAGE = 4096;

export type Request =
  | { readonly kind: 'listen' }
  | { readonly kind: 'expect'; readonly mode: 'raw' | 'migrate'; readonly size: number }
  | { readonly kind: 'raw'; readonly port: number; readonly size: number }
  | {
      readonly kind: 'migrate';
      readonly port: number;
      readonly size: number;
      readonly dirtyMiBs: number;
      readonly downtimeMs: number;
      readonly checksum: boolean;
    };

const send = (m: unknown) => process.send?.(m);

function filled(size: number): TrackedMemory {
  const m = new TrackedMemory(size, { name: 'pc.ram' });
  const v = m.view();
  // Non-zero pages: the copy moves every byte (no ZERO records).
  for (let at = 0; at < size; at += PAGE) v.fill(((at >>> 12) * 31 + 7) & 0xff || 1, at, at + PAGE);
  return m;
}

let expected: Extract<Request, { kind: 'expect' }> | undefined;
let destination: MigrationDestination | undefined;

function serve(): void {
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    const want = expected;
    if (want?.mode === 'raw') {
      const mem = new Uint8Array(want.size);
      let got = 0;
      socket.on('data', (c: Buffer) => {
        mem.set(c.subarray(0, Math.min(c.length, want.size - got)), got);
        got += c.length;
        if (got >= want.size) socket.end(Buffer.from([1]));
      });
      return;
    }
    if (want?.mode === 'migrate' && destination) void destination.accept(socketDuplex(socket));
  });
  server.listen(0, '127.0.0.1', () => send({ port: (server.address() as net.AddressInfo).port }));
}

function expect(req: Extract<Request, { kind: 'expect' }>): void {
  expected = req;
  if (req.mode === 'migrate') {
    const d = new MigrationDestination({
      release,
      ctx,
      machines,
      memory: [{ name: 'pc.ram', size: req.size, pageSize: PAGE }],
      commit: () => undefined,
    });
    destination = d;
    void d.done.then((r) => send({ destination: r }));
  }
  send({ ready: true });
}

async function connect(port: number): Promise<net.Socket> {
  const s = net.connect(port, '127.0.0.1');
  s.setNoDelay(true);
  await new Promise((r) => s.once('connect', r));
  return s;
}

async function raw(req: Extract<Request, { kind: 'raw' }>): Promise<void> {
  const mem = filled(req.size).view();
  const s = await connect(req.port);
  const t0 = performance.now();
  for (let at = 0; at < req.size; at += 1 << 20) {
    s.write(mem.subarray(at, at + (1 << 20)));
    // The same flow control as the migration's socket: a few MiB in flight.
    if (s.writableLength > 4 << 20) await new Promise((r) => s.once('drain', r));
  }
  await new Promise((r) => s.once('data', r));
  const ms = performance.now() - t0;
  s.destroy();
  send({ raw: { ms, bytes: req.size } });
}

async function migrate(req: Extract<Request, { kind: 'migrate' }>): Promise<void> {
  const mem = filled(req.size);
  const regs = { cpu: { pc: 0, ticks: 0 } };
  let running = true;
  // The guest: dirties random pages at the requested rate while it runs.
  let seed = 12345;
  let last = performance.now();
  const perMs = (req.dirtyMiBs * (1 << 20)) / PAGE / 1000;
  let calls = 0;
  const tick = setInterval(() => {
    calls++;
    const now = performance.now();
    if (!running || perMs === 0) {
      last = now;
      return;
    }
    const n = Math.round((now - last) * perMs);
    last = now;
    for (let i = 0; i < n; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      mem.setUint8((seed % mem.pages) * PAGE + (i & 0xfff), i & 0xff);
    }
    regs.cpu.ticks++;
  }, 1);
  const s = await connect(req.port);
  const report = await migrateSource(
    socketDuplex(s),
    {
      release,
      ctx,
      memory: [mem],
      state: () => regs,
      pause: () => {
        running = false;
      },
      resume: () => {
        running = true;
      },
      stop: () => {
        running = false;
      },
    },
    {
      versions,
      downtimeMs: req.downtimeMs,
      maxIterations: 30,
      checksum: req.checksum,
      ...(process.env.BENCH_DEBUG
        ? { onProgress: (p: unknown) => console.error(JSON.stringify(p), calls) }
        : {}),
    },
  );
  clearInterval(tick);
  send({ source: report });
}

process.on('message', (req: Request) => {
  if (req.kind === 'listen') serve();
  else if (req.kind === 'expect') expect(req);
  else if (req.kind === 'raw') void raw(req);
  else void migrate(req);
});

process.on('disconnect', () => process.exit(0));
