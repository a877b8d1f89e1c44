import { defineVersions, type VersionState } from '../../src/compat/index.js';
import {
  array,
  defineMachines,
  field,
  type Infer,
  uint8,
  uint16,
  uint32,
  uint64,
  vmsd,
} from '../../src/index.js';
import {
  type ByteDuplex,
  type DestinationOptions,
  type LiveSource,
  MigrationDestination,
  type Staged,
  type TrackedMemory,
} from '../../src/migrate/index.js';

/** A small device in two releases: v2 adds `ts` in a subsection sent only when it is not 0. */
export const machines = defineMachines({ defaults: {}, types: [{ name: 'm-2' }, { name: 'm-1' }] });

const fields = [
  field('ctrl', uint8),
  field('count', uint16),
  field('base', uint32),
  field('regs', array(uint16, 4)),
];
export const devV1 = vmsd('dev', { version: 1, minimumVersion: 1, fields });
export const devV2 = vmsd('dev', {
  version: 1,
  minimumVersion: 1,
  fields,
  subsections: (sub) => [
    sub('dev/ts', { version: 1, fields: [field('ts', uint64)], needed: (s) => s.ts !== 0n }),
  ],
});
export type DevV2 = Infer<typeof devV2>;

export const versions = defineVersions({
  machines,
  versions: [
    { name: 'v1', sections: [devV1], machines: ['m-1'] },
    { name: 'v2', sections: [devV2], machines: ['m-2', 'm-1'] },
  ],
});

/** A guest whose run state the test can see: running, paused or stopped for good. */
export class FakeGuest implements LiveSource {
  status: 'running' | 'paused' | 'stopped' = 'running';
  /** The state and memory at the moment of the pause (what the destination must get). */
  atPause: { state: VersionState; memory: TrackedMemory[] } | undefined;
  readonly release;
  readonly ctx;
  constructor(
    release: 'v1' | 'v2',
    machine: string,
    readonly memory: TrackedMemory[],
    public devices: VersionState,
  ) {
    this.release = versions.version(release);
    this.ctx = machines.context(machine);
  }
  state(): VersionState {
    return this.devices;
  }
  pause(): void {
    if (this.status !== 'running') throw new Error(`pause while ${this.status}`);
    this.status = 'paused';
    this.atPause = { state: structuredClone(this.devices), memory: this.memory.map((m) => m.clone()) };
  }
  resume(): void {
    if (this.status !== 'paused') throw new Error(`resume while ${this.status}`);
    this.status = 'running';
  }
  stop(): void {
    if (this.status !== 'paused') throw new Error(`stop while ${this.status}`);
    this.status = 'stopped';
  }
}

export function devState(seed: number, ts = 0n): VersionState {
  return {
    dev: {
      ctrl: seed & 0xff,
      count: (seed * 7) & 0xffff,
      base: (seed * 0x9e3779b1) >>> 0,
      regs: [1, 2, 3, seed & 0xffff],
      ts,
    },
  };
}

/** A destination that records whether it runs and what it committed. */
export function destination(
  release: 'v1' | 'v2',
  machine: string,
  memory: readonly { name: string; size: number }[],
  extra: Partial<DestinationOptions> = {},
): { dest: MigrationDestination; committed: () => Staged | undefined; accept: (d: ByteDuplex) => void } {
  let committed: Staged | undefined;
  const dest = new MigrationDestination({
    release: versions.version(release),
    ctx: machines.context(machine),
    machines,
    memory: memory.map((m) => ({ ...m, pageSize: 4096 })),
    commit: (s) => {
      if (committed) throw new Error('committed twice');
      committed = s;
    },
    ...extra,
  });
  return { dest, committed: () => committed, accept: (d) => void dest.accept(d) };
}
