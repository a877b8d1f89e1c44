import net from 'node:net';
import { defineVersions } from '../../src/compat/index.js';
import { defineMachines, field, uint8, vmsd } from '../../src/index.js';
import { MigrationDestination, migrateSource, socketDuplex, TrackedMemory } from '../../src/migrate/index.js';

const machines = defineMachines({ defaults: {}, types: [{ name: 'm' }] });
const dev = vmsd('dev', { version: 1, minimumVersion: 1, fields: [field('x', uint8)] });
const versions = defineVersions({ machines, versions: [{ name: 'r', sections: [dev], machines: ['m'] }] });
const size = Number(process.argv[2] ?? 256) << 20;
const mem = new TrackedMemory(size, { name: 'pc.ram' });
const v = mem.view();
for (let i = 0; i < size; i += 4096) {
  const b = (i * 2654435761) >>> 0;
  v.fill(b & 0xff || 1, i, i + 4096);
  v[i + 1] = i & 0xff;
}
const dest = new MigrationDestination({
  release: versions.version('r'),
  ctx: machines.context('m'),
  machines,
  memory: [{ name: 'pc.ram', size, pageSize: 4096 }],
  commit: () => {},
});
const server = net.createServer((s) => void dest.accept(socketDuplex(s)));
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const port = (server.address() as net.AddressInfo).port;
const sock = net.connect(port, '127.0.0.1');
await new Promise((r) => sock.once('connect', r));
const t0 = performance.now();
const rep = await migrateSource(
  socketDuplex(sock),
  {
    release: versions.version('r'),
    ctx: machines.context('m'),
    memory: [mem],
    state: () => ({ dev: { x: 1 } }),
    pause() {},
    resume() {},
    stop() {},
  },
  { versions },
);
console.log(
  rep.outcome,
  'MiB/s',
  (rep.throughput / 2 ** 20).toFixed(0),
  'total ms',
  (performance.now() - t0).toFixed(0),
  'downtime',
  rep.downtimeMs?.toFixed(1),
);
console.log((await dest.done).outcome);
server.close();
