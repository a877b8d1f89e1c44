/**
 * The lab's cells: source version × destination version × machine type both know × device set ×
 * workload × when to migrate. Each cell is independent, so a run can be cut into shards.
 */
import { guestByName } from '../guests/catalog.js';
import { machineTypes, type QemuVersionName } from '../versions.js';
import { deviceSetByName } from './device-sets.js';

/**
 * `settled`: stopped once the workload reached its state, then saved; `live`: saved without
 * stopping, from 150 ms after start — firmware and workload run while RAM is copied, and the device
 * state is whatever they reached when QEMU stops the VM to finish.
 */
export type When = 'settled' | 'live';
export const WHENS: readonly When[] = ['settled', 'live'];

export interface LabCell {
  /** Stable id: `10.0>7.2 pc-i440fx-7.2 base ltim settled`. */
  readonly id: string;
  readonly from: QemuVersionName;
  readonly to: QemuVersionName;
  readonly machine: string;
  readonly devices: string;
  readonly workload: string;
  readonly when: When;
}

export function cellId(c: Omit<LabCell, 'id'>): string {
  return `${c.from}>${c.to} ${c.machine} ${c.devices} ${c.workload} ${c.when}`;
}

export interface LabMatrix {
  /** Ordered pairs (both directions are listed separately). */
  readonly pairs: readonly (readonly [QemuVersionName, QemuVersionName])[];
  /**
   * Machine types to try; a pair uses those both versions know. Default: per pair, the newest
   * `pc-i440fx-*` and `pc-q35-*` both know.
   */
  readonly machines?: readonly string[];
  readonly devices: readonly string[];
  readonly workloads: readonly string[];
  readonly when: readonly When[];
  /** Workloads that also run with `when: live` (default: every workload, when `live` is listed). */
  readonly liveWorkloads?: readonly string[];
}

/** Every ordered pair of distinct versions. */
export function allPairs(
  versions: readonly QemuVersionName[],
): (readonly [QemuVersionName, QemuVersionName])[] {
  return versions.flatMap((a) => versions.filter((b) => b !== a).map((b) => [a, b] as const));
}

/** The newest versioned machine type of `family` in a list of names. */
function newest(names: readonly string[], family: string): string | undefined {
  const re = new RegExp(`^${family}-(\\d+)\\.(\\d+)$`);
  let best: { name: string; v: number } | undefined;
  for (const n of names) {
    const m = re.exec(n);
    if (m === null) continue;
    const v = Number(m[1]) * 1000 + Number(m[2]);
    if (best === undefined || v > best.v) best = { name: n, v };
  }
  return best?.name;
}

/** Machine types a pair runs: asked of both binaries. */
export async function pairMachines(
  from: QemuVersionName,
  to: QemuVersionName,
  wanted?: readonly string[],
): Promise<string[]> {
  const [a, b] = await Promise.all([machineTypes(from), machineTypes(to)]);
  const bNames = new Set(b.map((m) => m.name));
  const both = a.map((m) => m.name).filter((n) => bNames.has(n));
  if (wanted !== undefined) return wanted.filter((n) => both.includes(n));
  return ['pc-i440fx', 'pc-q35'].map((f) => newest(both, f)).filter((n): n is string => n !== undefined);
}

/** Every cell of a matrix, in a stable order (validates workload and device-set names). */
export async function enumerateCells(matrix: LabMatrix): Promise<LabCell[]> {
  for (const w of matrix.workloads) guestByName(w);
  for (const d of matrix.devices) deviceSetByName(d);
  const cells: LabCell[] = [];
  for (const [from, to] of matrix.pairs) {
    for (const machine of await pairMachines(from, to, matrix.machines)) {
      for (const devices of matrix.devices) {
        for (const workload of matrix.workloads) {
          for (const when of matrix.when) {
            if (when === 'live' && matrix.liveWorkloads && !matrix.liveWorkloads.includes(workload)) continue;
            const c = { from, to, machine, devices, workload, when };
            cells.push({ id: cellId(c), ...c });
          }
        }
      }
    }
  }
  return cells;
}

export interface Shard {
  /** 1-based. */
  readonly index: number;
  readonly count: number;
}

/** Parses `I/N` (1 ≤ I ≤ N), e.g. from `--shard 2/8` or a Kubernetes completion index + 1. */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (m === null || count < 1 || index < 1 || index > count) {
    throw new Error(`--shard must be I/N with 1 ≤ I ≤ N, got '${text}'`);
  }
  return { index, count };
}

/**
 * The cells of one shard: every N-th cell of the stable order, starting at I. Shards are
 * disjoint and together hold every cell; the cells of one source stream spread over shards
 * (each shard saves the streams it needs).
 */
export function shardCells(cells: readonly LabCell[], shard: Shard): LabCell[] {
  return cells.filter((_c, i) => i % shard.count === shard.index - 1);
}
