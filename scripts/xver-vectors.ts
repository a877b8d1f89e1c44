/**
 * Regenerates the cross-version vectors of `vmstate check STREAM DEST` and `convert`:
 * `-dump-vmstate` JSON of QEMU 5.2, 7.2 and 10.0 for pc-i440fx-5.2, pc-q35-5.2, pc-i440fx-7.2 and
 * pc-q35-7.2 (5.2 lacks the 7.2 types), and real streams saved by the project's boot-sector guests.
 * Everything is gzipped. Needs the versions of scripts/qemu-versions.sh.
 *
 *   npx tsx scripts/xver-vectors.ts [OUTROOT]   (default test/vectors)
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  dumpVmstate,
  type Guest,
  guestByName,
  guestImage,
  ltimGuest,
  prevalentGuest,
  type QemuVersionName,
  saveGuest,
  writeFloppy,
} from '../src/qemu/index.js';

const root = process.argv[2] ?? 'test/vectors';
const tmp = mkdtempSync('/tmp/xver-vectors-');
const MACHINES = ['pc-i440fx-5.2', 'pc-q35-5.2', 'pc-i440fx-7.2', 'pc-q35-7.2'];

function put(version: QemuVersionName, name: string, bytes: Uint8Array): void {
  const dir = join(root, `qemu-${version}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.gz`), gzipSync(bytes, { level: 9 }));
  console.log(`${dir}/${name}.gz`);
}

async function dumps(): Promise<void> {
  for (const version of ['5.2', '7.2', '10.0'] as const) {
    for (const machine of MACHINES) {
      if (version === '5.2' && machine.endsWith('7.2')) continue;
      const file = join(tmp, `dump-${version}-${machine}.json`);
      await dumpVmstate(machine, file, { version });
      put(version, `dump-${machine}.json`, readFileSync(file));
    }
  }
  // A machine type that expects no configuration section and no footers (hw_compat_2_3).
  const old = join(tmp, 'dump-7.2-pc-i440fx-2.3.json');
  await dumpVmstate('pc-i440fx-2.3', old, { version: '7.2' });
  put('7.2', 'dump-pc-i440fx-2.3.json', readFileSync(old));
}

interface StreamSpec {
  readonly version: QemuVersionName;
  readonly machine: string;
  readonly guest: Guest;
  readonly devices?: readonly string[];
  readonly name: string;
}

const STREAMS: readonly StreamSpec[] = [
  { version: '10.0', machine: 'pc-i440fx-7.2', guest: ltimGuest, name: 'ltim-pc-i440fx-7.2.mig' },
  { version: '10.0', machine: 'pc-i440fx-5.2', guest: ltimGuest, name: 'ltim-pc-i440fx-5.2.mig' },
  { version: '10.0', machine: 'pc-i440fx-7.2', guest: prevalentGuest, name: 'prevalent-pc-i440fx-7.2.mig' },
  // A busy esp (selection to LUN 1 done): 7.2 loads it and reads 10.0's lun (1) as its ti_cmd.
  {
    version: '10.0',
    machine: 'pc-i440fx-7.2',
    guest: guestByName('esp-busy'),
    name: 'esp-busy-pc-i440fx-7.2.mig',
  },
  { version: '10.0', machine: 'pc-q35-7.2', guest: prevalentGuest, name: 'prevalent-pc-q35-7.2.mig' },
  {
    version: '10.0',
    machine: 'pc-i440fx-7.2',
    guest: prevalentGuest,
    devices: ['-device', 'am53c974'],
    name: 'am53c974-pc-i440fx-7.2.mig',
  },
  {
    version: '10.0',
    machine: 'pc-i440fx-7.2',
    guest: prevalentGuest,
    devices: ['-device', 'e1000e'],
    name: 'e1000e-pc-i440fx-7.2.mig',
  },
  { version: '7.2', machine: 'pc-q35-5.2', guest: prevalentGuest, name: 'prevalent-pc-q35-5.2.mig' },
  { version: '5.2', machine: 'pc-i440fx-5.2', guest: prevalentGuest, name: 'prevalent-pc-i440fx-5.2.mig' },
  { version: '5.2', machine: 'pc-i440fx-5.2', guest: ltimGuest, name: 'ltim-pc-i440fx-5.2.mig' },
  {
    version: '7.2',
    machine: 'pc-i440fx-5.2',
    guest: prevalentGuest,
    devices: ['-device', 'am53c974'],
    name: 'am53c974-pc-i440fx-5.2.mig',
  },
  {
    version: '7.2',
    machine: 'pc-i440fx-7.2',
    guest: prevalentGuest,
    devices: ['-device', 'am53c974'],
    name: 'am53c974-pc-i440fx-7.2.mig',
  },
];

async function streams(): Promise<void> {
  for (const s of STREAMS) {
    // NAME=<file name> regenerates that stream only.
    if (process.env.NAME && process.env.NAME !== s.name) continue;
    const image = join(tmp, `${s.guest.name}.img`);
    writeFloppy(image, guestImage(s.guest));
    const file = join(tmp, s.name);
    await saveGuest(
      {
        guest: s.guest,
        version: s.version,
        machine: s.machine,
        image,
        ...(s.devices ? { devices: s.devices } : {}),
      },
      file,
    );
    put(s.version, s.name, readFileSync(file));
  }
}

try {
  if (!process.env.ONLY || process.env.ONLY === 'dumps') await dumps();
  if (!process.env.ONLY || process.env.ONLY === 'streams') await streams();
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
