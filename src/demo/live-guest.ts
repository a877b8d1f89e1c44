import { createHash } from 'node:crypto';
import { defineVersions, type VersionState } from '../compat/index.js';
import { buffer, field, type Infer, uint32, vbuffer, vmsd } from '../index.js';
import type { LiveSource, Staged } from '../migrate/index.js';
import { TrackedMemory } from '../migrate/index.js';
import { reconstructPhase } from './constants.js';
import type { FdcSectionState } from './description.js';
import { DiskImage } from './disk.js';
import { dmaChannel, RAM_SIZE } from './dma.js';
import { type DriverState, initialDriver, type Step } from './driver.js';
import { Machine } from './machine.js';
import { type Run, startOp, type Workload } from './run.js';
import { machines, OLD_MACHINE, RELEASES } from './versions.js';
import { PROFILES, type ProfileName, workload } from './workloads.js';

/**
 * The floppy machine as a live-migratable guest: the controller, DMA channel 2 and its 16 KiB of
 * RAM as device sections, the guest CPU (the driver between operations, clock, IRQ log, the disk
 * writes that shared storage would carry) as one more section, and a large memory (≥ 64 MiB, a
 * TrackedMemory) that the workload fills as its page cache: every sector moved lands there.
 *
 * The guest pauses between driver operations: an operation in flight is a JS generator, which
 * cannot be serialized. The devices are in whatever state the operation left them (timers armed,
 * RQM low after a result), so non-prevalent states still reach the switch-over.
 */

/** The driver's and machine's non-device state, as JSON in a bounded buffer. */
const guestCpu = vmsd('fdc-guest', {
  version: 1,
  minimumVersion: 1,
  fields: [field('len', uint32), field('json', vbuffer({ size: 'len', max: 16 << 20 }))],
});
const dmaRam = vmsd('fdc-dma-ram', {
  version: 1,
  minimumVersion: 1,
  fields: [field('bytes', buffer(RAM_SIZE))],
});
type CpuSection = Infer<typeof guestCpu>;

interface CpuJson {
  readonly now: number;
  readonly irqLevel: boolean;
  readonly irqLog: string[];
  readonly tag: string;
  readonly driver: DriverState;
  readonly steps: number;
  readonly laps: number;
  /** Written sectors per drive: [lba, base64] (the shared disk images, carried along). */
  readonly disks: [number, string][][];
}

/** Each floppy release plus the machine parts every release shares, as live-migration releases. */
export const liveVersions = defineVersions({
  machines,
  versions: (['v1', 'v2a', 'v2b', 'v2c'] as const).map((name) => ({
    name,
    sections: [
      RELEASES[name].section,
      { idstr: 'i8237-ch2', vmsd: dmaChannel },
      { idstr: 'fdc-dma-ram', vmsd: dmaRam },
      { idstr: 'fdc-guest', vmsd: guestCpu },
    ],
    machines: RELEASES[name].machines,
  })),
});

export interface GuestOptions {
  readonly release: 'v1' | 'v2a' | 'v2b' | 'v2c';
  readonly machine?: string;
  readonly seed: number;
  readonly profile: ProfileName;
  readonly sectors: number;
  /** Size of the big memory in bytes (default 64 MiB). */
  readonly memoryBytes: number;
  /** Extra pages the guest dirties per operation besides its page cache (a busier guest). */
  readonly extraPagesPerOp?: number;
}

const STEPS_PER_SLICE = 2_000;
const PAGE = 4096;
const INTER_OP_NS = 10_000;

export class LiveGuest implements LiveSource {
  readonly release;
  readonly ctx;
  readonly memory: readonly TrackedMemory[];
  readonly work: Workload;
  run: Run;
  status: 'running' | 'paused' | 'stopped' | 'empty' = 'empty';
  laps = 0;
  private step: Step | undefined;
  private pauseWanted: (() => void) | undefined;
  private scheduled = false;
  private held = false;

  constructor(private readonly options: GuestOptions) {
    this.release = liveVersions.version(options.release);
    this.ctx = machines.context(options.machine ?? OLD_MACHINE);
    const big = new TrackedMemory(options.memoryBytes, { name: 'pc.ram' });
    this.memory = [big];
    this.work = {
      profile: PROFILES[options.profile],
      ops: workload(PROFILES[options.profile], options.seed, options.sectors),
      seed: options.seed,
    };
    this.run = {
      machine: new Machine(RELEASES[options.release].runtime, options.seed),
      driver: initialDriver(),
      steps: 0,
    };
  }

  /** Powers on and runs (the first host of the guest). */
  boot(): void {
    const big = this.memory[0] as TrackedMemory;
    // A booted guest's memory: mostly non-zero (kernel, caches), some zero pages.
    for (let p = 0; p < big.pages; p++) if (p % 8 !== 7) big.fill(p * PAGE, 64, (p * 131 + 7) & 0xff);
    this.status = 'running';
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.slice();
    });
  }

  /** Runs a slice of steps, then yields to the event loop (the migration runs in between). */
  private slice(): void {
    if (this.status !== 'running' || this.held) return;
    for (let i = 0; i < STEPS_PER_SLICE; i++) {
      if (!this.step && this.pauseWanted) {
        this.status = 'paused';
        const done = this.pauseWanted;
        this.pauseWanted = undefined;
        done();
        return;
      }
      this.stepOnce();
    }
    this.schedule();
  }

  /** One step of the driver: starts the next operation (looping over the workload) when none runs. */
  private stepOnce(): void {
    if (!this.step) {
      if (this.run.driver.op >= this.work.ops.length) {
        this.run.driver.op = 0;
        this.laps++;
      }
      this.step = startOp(this.run, this.work);
    }
    if (this.step.next().done) {
      this.step = undefined;
      this.afterOp(this.run.driver.op);
      this.run.driver.op++;
    } else this.run.steps++;
  }

  /**
   * Between operations the driver's CPU works for a while (10 µs) before its next port access,
   * so short controller timers (the v2 wind-down) run out before a pause between operations.
   * The page cache: the DMA buffer lands in the big memory; a busier guest dirties more.
   */
  private afterOp(op: number): void {
    this.run.machine.advance(INTER_OP_NS);
    const big = this.memory[0] as TrackedMemory;
    const slot = (op * RAM_SIZE + this.laps * 7 * PAGE) % (big.size - RAM_SIZE);
    big.write(slot - (slot % PAGE), this.run.machine.ram);
    const extra = this.options.extraPagesPerOp ?? 0;
    for (let i = 0; i < extra; i++) {
      const page = (Math.imul(op * 97 + i, 2654435761) >>> 0) % big.pages;
      big.setUint8(page * PAGE + (i & 0xfff), (op + i) & 0xff);
    }
  }

  /** Whether the controller's phase is what its MSR suggests (the receiver's inference holds). */
  prevalent(): boolean {
    const s = this.run.machine.fdc.s;
    return reconstructPhase(s.msr) === s.phase;
  }

  /** Runs until the controller's phase differs from what the MSR suggests (a non-prevalent state). */
  runUntilNotPrevalent(maxSteps = 5_000_000): boolean {
    return this.runUntil(false, maxSteps);
  }

  /** Runs until the controller's phase is prevalent again (at once when it is). */
  runUntilPrevalent(maxSteps = 5_000_000): boolean {
    return this.runUntil(true, maxSteps);
  }

  private runUntil(prevalent: boolean, maxSteps: number): boolean {
    for (let i = 0; i < maxSteps && this.prevalent() !== prevalent; i++) this.stepOnce();
    return this.prevalent() === prevalent;
  }

  state(): VersionState {
    const m = this.run.machine;
    const cpu: CpuJson = {
      now: m.now,
      irqLevel: m.irqLevel,
      irqLog: m.irqLog,
      tag: m.tag,
      driver: this.run.driver,
      steps: this.run.steps,
      laps: this.laps,
      disks: m.disks.map((d) =>
        d.writtenSectors.map((lba): [number, string] => [lba, Buffer.from(d.read(lba)).toString('base64')]),
      ),
    };
    const json = Buffer.from(JSON.stringify(cpu), 'utf8');
    const section: CpuSection = { len: json.length, json };
    return {
      fdc: m.fdc.section as unknown as Record<string, unknown>,
      'i8237-ch2': m.dma as unknown as Record<string, unknown>,
      'fdc-dma-ram': { bytes: m.ram },
      'fdc-guest': section as unknown as Record<string, unknown>,
    };
  }

  /** Holds the guest where it is (mid-operation) without pausing it, e.g. while a handshake reads it. */
  hold(on: boolean): void {
    this.held = on;
    if (!on) this.schedule();
  }

  pause(): Promise<void> {
    if (this.status !== 'running') return Promise.resolve();
    return new Promise((resolve) => {
      this.pauseWanted = resolve;
      this.schedule();
    });
  }

  resume(): void {
    if (this.status !== 'paused') return;
    this.status = 'running';
    this.schedule();
  }

  stop(): void {
    this.status = 'stopped';
  }

  /** The destination: takes over the migrated state (devices, CPU, memory) and runs it. */
  install(staged: Staged): void {
    const s = staged.state;
    const cpuSection = s['fdc-guest'] as unknown as CpuSection;
    const cpu = JSON.parse(Buffer.from(cpuSection.json).toString('utf8')) as CpuJson;
    const machine = new Machine(RELEASES[this.options.release].runtime, this.options.seed);
    machine.now = cpu.now;
    machine.irqLevel = cpu.irqLevel;
    machine.irqLog = cpu.irqLog;
    machine.tag = cpu.tag;
    machine.install({
      runtime: machine.runtime,
      fdc: s.fdc as unknown as FdcSectionState,
      dma: s['i8237-ch2'] as never,
      ram: (s['fdc-dma-ram'] as { bytes: Uint8Array }).bytes,
    });
    machine.disks = cpu.disks.map((written, drive) => {
      const d = new DiskImage(this.options.seed, drive);
      for (const [lba, b64] of written) d.write(lba, Buffer.from(b64, 'base64'));
      return d;
    });
    this.run = { machine, driver: cpu.driver, steps: cpu.steps };
    this.laps = cpu.laps;
    (this.memory as TrackedMemory[])[0] = staged.memory[0] as TrackedMemory;
    this.step = undefined;
    this.status = 'running';
    this.schedule();
  }

  /** A digest of what must survive a migration: memory, CPU and DMA RAM (the same in every release). */
  digest(): string {
    const m = this.run.machine;
    return createHash('sha1')
      .update((this.memory[0] as TrackedMemory).view())
      .update(m.ram)
      .update(JSON.stringify({ d: this.run.driver, now: m.now, steps: this.run.steps, irq: m.irqLog.length }))
      .digest('hex');
  }
}
