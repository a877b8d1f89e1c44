import net from 'node:net';
import {
  type DestinationReport,
  type MigrationDestination,
  type SourceReport,
  socketDuplex,
} from '../migrate/index.js';
import { type GuestOptions, LiveGuest } from './live-guest.js';
import { receiveGuest, sendGuest } from './live-host.js';

/**
 * One host of `vmstate demo --live`, in its own process, driven by live.ts over IPC. It holds a
 * guest (running, or empty until a migration brings one), listens on 127.0.0.1 for migrations and
 * for the raw-copy baseline, and migrates its guest to another host when asked.
 */

export type HostRequest =
  | { readonly kind: 'init'; readonly guest: GuestOptions; readonly boot: boolean }
  | { readonly kind: 'expect' }
  | {
      readonly kind: 'migrate';
      readonly port: number;
      readonly notPrevalent: boolean;
      readonly downtimeMs: number;
    }
  | { readonly kind: 'status' }
  | { readonly kind: 'raw-expect'; readonly size: number }
  | { readonly kind: 'raw-send'; readonly port: number; readonly size: number };

export type HostReply =
  | { readonly kind: 'ready'; readonly port: number }
  | { readonly kind: 'expecting' }
  | { readonly kind: 'destination'; readonly report: DestinationReport; readonly digest?: string }
  | {
      readonly kind: 'source';
      readonly report: SourceReport;
      readonly digest?: string;
      readonly notPrevalent: boolean;
    }
  | { readonly kind: 'status'; readonly status: LiveGuest['status'] }
  | { readonly kind: 'raw'; readonly ms: number };

const reply = (m: HostReply) => process.send?.(m);
let guest: LiveGuest | undefined;
let destination: MigrationDestination | undefined;
let rawSize: number | undefined;
let port = 0;

function serve(): Promise<void> {
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    if (rawSize !== undefined) {
      const size = rawSize;
      rawSize = undefined;
      const mem = new Uint8Array(size);
      let got = 0;
      socket.on('data', (c: Buffer) => {
        mem.set(c.subarray(0, Math.min(c.length, size - got)), got);
        got += c.length;
        if (got >= size) socket.end(Buffer.from([1]));
      });
      return;
    }
    if (destination) void destination.accept(socketDuplex(socket));
    else socket.destroy();
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      port = (server.address() as net.AddressInfo).port;
      resolve();
    }),
  );
}

function connect(to: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(to, '127.0.0.1', () => resolve(s));
    s.setNoDelay(true);
    s.once('error', reject);
  });
}

function expect(): void {
  const { destination: d, received } = receiveGuest(guest as LiveGuest);
  destination = d;
  void received.then((r) => reply({ kind: 'destination', ...r }));
  reply({ kind: 'expecting' });
}

async function migrate(req: Extract<HostRequest, { kind: 'migrate' }>): Promise<void> {
  const sent = await sendGuest(guest as LiveGuest, socketDuplex(await connect(req.port)), {
    notPrevalent: req.notPrevalent,
    downtimeMs: req.downtimeMs,
    reconnect: async () => socketDuplex(await connect(req.port)),
  });
  reply({ kind: 'source', ...sent });
}

async function rawSend(to: number, size: number): Promise<void> {
  const mem = (guest as LiveGuest).memory[0]?.view() ?? new Uint8Array(size);
  const s = await connect(to);
  const t0 = performance.now();
  for (let at = 0; at < size; at += 1 << 20) {
    if (!s.write(mem.subarray(at, Math.min(size, at + (1 << 20)))))
      await new Promise((r) => s.once('drain', r));
  }
  await new Promise((r) => s.once('data', r));
  const ms = performance.now() - t0;
  s.destroy();
  reply({ kind: 'raw', ms });
}

process.on('message', (req: HostRequest) => {
  switch (req.kind) {
    case 'init':
      guest = new LiveGuest(req.guest);
      if (req.boot) guest.boot();
      void serve().then(() => reply({ kind: 'ready', port }));
      break;
    case 'expect':
      expect();
      break;
    case 'migrate':
      void migrate(req);
      break;
    case 'status':
      reply({ kind: 'status', status: guest?.status ?? 'empty' });
      break;
    case 'raw-expect':
      rawSize = req.size;
      reply({ kind: 'expecting' });
      break;
    case 'raw-send':
      void rawSend(req.port, req.size);
      break;
  }
});
process.on('disconnect', () => process.exit(0));
