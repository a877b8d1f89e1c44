import { Geometry } from './disk.js';
import { chance, nextRandom, randomInt } from './hash.js';

/**
 * Workloads: what a guest's floppy driver does, as a list of operations generated from a seed.
 * The driver (driver.ts) carries them out through the controller's I/O ports. Every workload
 * starts like a boot (reset, configuration, recalibrate, probe, read the boot sector), then
 * alternates bursts of sector I/O with idle stretches (motor off, nothing on the bus).
 */

/** Which part of the workload an operation belongs to (reported per stretch). */
export type Stretch = 'boot' | 'io' | 'idle';

/** One thing the driver does. */
export type OpBody =
  | { readonly k: 'reset'; readonly how: 'dor' | 'dsr' }
  | { readonly k: 'rate' }
  | { readonly k: 'specify' }
  | { readonly k: 'version' }
  | { readonly k: 'configure' }
  | { readonly k: 'lock' }
  | { readonly k: 'motor'; readonly drive: number; readonly on: boolean }
  | { readonly k: 'recalibrate'; readonly drive: number }
  | { readonly k: 'seek'; readonly drive: number; readonly track: number; readonly head: number }
  | { readonly k: 'senseDrive'; readonly drive: number; readonly head: number }
  | { readonly k: 'readId'; readonly drive: number; readonly head: number }
  | Transfer
  | { readonly k: 'idle'; readonly ns: number };

export type Op = { readonly stretch: Stretch } & OpBody;

export interface Transfer {
  readonly k: 'read' | 'write';
  readonly drive: number;
  readonly lba: number;
  readonly count: number;
  /** Seek explicitly first (careful drivers) or let the command seek implicitly. */
  readonly seek: boolean;
  /** Seeds the data a write puts on the disk. */
  readonly pattern: number;
  /** Impatient drivers: give up on the first attempt after this many command bytes (9: during execution). */
  readonly abandonAfter?: number;
}

export type ProfileName = 'pio' | 'irq' | 'impatient';

export interface Profile {
  readonly name: ProfileName;
  readonly summary: string;
  /** PIO through the FIFO (SPECIFY with ND) or DMA channel 2. */
  readonly transfer: 'pio' | 'dma';
  /** Poll the MSR and SENSE INTERRUPT STATUS, or sleep until the IRQ. */
  readonly wait: 'poll' | 'irq';
  /** Longest transfer in sectors (within a track). */
  readonly maxSectors: number;
  /** Before writing a command byte, check DIO as well as RQM (careful drivers do; sloppy ones don't). */
  readonly checksDirection: boolean;
}

export const PROFILES: Readonly<Record<ProfileName, Profile>> = Object.freeze({
  pio: {
    name: 'pio',
    summary: 'polling PIO: every byte through the FIFO, MSR polled before each one, no interrupts used',
    transfer: 'pio',
    wait: 'poll',
    maxSectors: 2,
    checksDirection: true,
  },
  irq: {
    name: 'irq',
    summary: 'interrupt-driven DMA: program channel 2, sleep until the IRQ, explicit seeks',
    transfer: 'dma',
    wait: 'irq',
    maxSectors: 8,
    checksDirection: true,
  },
  impatient: {
    name: 'impatient',
    summary:
      'impatient DMA: back-to-back commands, implied seeks, resets mid-command, no wait for reset IRQs, RQM-only handshake',
    transfer: 'dma',
    wait: 'irq',
    maxSectors: 6,
    checksDirection: false,
  },
});

export const PROFILE_NAMES: readonly ProfileName[] = ['pio', 'irq', 'impatient'];

const SECTORS_PER_DISK = Geometry.TRACKS * Geometry.HEADS * Geometry.SECTORS;

/** Boot: what a BIOS or an OS driver does before the first real read. */
function boot(p: Profile): Op[] {
  const b = (op: OpBody): Op => ({ stretch: 'boot', ...op });
  return [
    b({ k: 'reset', how: 'dor' }),
    b({ k: 'rate' }),
    b({ k: 'specify' }),
    b({ k: 'version' }),
    b({ k: 'configure' }),
    b({ k: 'lock' }),
    b({ k: 'motor', drive: 0, on: true }),
    b({ k: 'recalibrate', drive: 0 }),
    b({ k: 'recalibrate', drive: 1 }),
    b({ k: 'senseDrive', drive: 0, head: 0 }),
    b({ k: 'senseDrive', drive: 1, head: 0 }),
    b({ k: 'readId', drive: 0, head: 0 }),
    b({ k: 'read', drive: 0, lba: 0, count: 1, seek: p.name !== 'impatient', pattern: 0 }),
    b({ k: 'read', drive: 0, lba: 1, count: Math.min(p.maxSectors, 4), seek: false, pattern: 0 }),
    b({ k: 'motor', drive: 0, on: false }),
  ];
}

/**
 * A workload of about `sectors` sectors for a profile: the boot stretch, then bursts of reads and
 * writes (mostly sequential, sometimes a jump, both drives), each followed by an idle stretch.
 */
export function workload(p: Profile, seed: number, sectors: number): Op[] {
  const r = { rng: (seed ^ (p.name.length * 0x9e3779b9)) | 0 };
  const ops = boot(p);
  let moved = 0;
  const next = [randomInt(r, 36, 400), randomInt(r, 36, 400)];
  while (moved < sectors) {
    const drive = chance(r, 0.7) ? 0 : 1;
    ops.push({ stretch: 'io', k: 'motor', drive, on: true });
    const burst = randomInt(r, 4, 10);
    for (let i = 0; i < burst && moved < sectors; i++) {
      if (chance(r, 0.2)) next[drive] = randomInt(r, 0, SECTORS_PER_DISK - 1);
      const lba = next[drive] as number;
      const left = Geometry.SECTORS - (lba % Geometry.SECTORS);
      const count = Math.min(left, randomInt(r, 1, p.maxSectors));
      const transfer: Transfer = {
        k: chance(r, 0.35) ? 'write' : 'read',
        drive,
        lba,
        count,
        seek: p.name === 'impatient' ? false : chance(r, 0.6),
        pattern: Math.floor(nextRandom(r) * 0x7fffffff),
        ...(p.name === 'impatient' && chance(r, 0.15) ? { abandonAfter: randomInt(r, 1, 9) } : {}),
      };
      ops.push({ stretch: 'io', ...transfer });
      moved += count;
      next[drive] = (lba + count) % SECTORS_PER_DISK;
      if (chance(r, 0.08)) ops.push({ stretch: 'io', k: 'senseDrive', drive, head: randomInt(r, 0, 1) });
      if (chance(r, 0.05)) ops.push({ stretch: 'io', k: 'readId', drive, head: randomInt(r, 0, 1) });
      if (p.name === 'impatient' && chance(r, 0.04)) ops.push({ stretch: 'io', k: 'reset', how: 'dsr' });
    }
    if (p.name !== 'impatient' || chance(r, 0.3)) {
      ops.push({ stretch: 'idle', k: 'motor', drive, on: false });
      ops.push({ stretch: 'idle', k: 'idle', ns: randomInt(r, 5, 30) * 10_000_000 });
    }
  }
  return ops;
}
