import { randomUUID } from 'node:crypto';
import { initial, saveDescribed, sectionNeeded } from '../codec/index.js';
import type { ReleasedVersion, VersionSet, VersionState } from '../compat/index.js';
import type { MachineRegistry, MigrationContext } from '../describe/index.js';
import { MigrationError } from '../errors/index.js';
import { StreamEncoder, type VmdescDevice } from '../stream/index.js';
import { Broken, Channel } from './channel.js';
import type { ByteDuplex } from './duplex.js';
import { type MigrationFinding, type Preflight, preflight, reasonOf } from './findings.js';
import type { TrackedMemory } from './memory.js';
import type { Decision, MemoryLayout } from './messages.js';
import { type PassCount, RAM_SECTION, writeRamPass, writeRamStart } from './ram.js';
import { DEFAULT_TIMEOUTS, type Phase, type Progress, type SourceReport, type Timeouts } from './report.js';
import { deliverOutcome } from './resolve.js';

/** The running thing being migrated: devices (described) plus memories, and its run control. */
export interface LiveSource {
  readonly release: ReleasedVersion;
  /** The machine type it runs under. */
  readonly ctx: MigrationContext;
  readonly memory: readonly TrackedMemory[];
  /** The devices' state by section key; read at the handshake and, paused, at switch-over. */
  state(): VersionState;
  /** Stops the guest for the switch-over (it may resume). */
  pause(): void | Promise<void>;
  /** Continues after a failed switch-over, with nothing changed. */
  resume(): void | Promise<void>;
  /** The destination runs now: this side stops for good. */
  stop(): void | Promise<void>;
}

export interface SourceOptions {
  /** Releases this side knows: with the destination's among them, pre-flight sees the live state. */
  readonly versions?: VersionSet;
  /** For the static check of the descriptions (default: `versions.machines`). */
  readonly machines?: MachineRegistry;
  /** Largest acceptable pause (ms): pre-copy ends when the expected downtime is within it. Default 300. */
  readonly downtimeMs?: number;
  /** Pre-copy passes before giving up on converging (default 30). */
  readonly maxIterations?: number;
  /** When pre-copy cannot converge: switch over anyway with a longer pause (default) or abort. */
  readonly onNoConvergence?: 'switch-over' | 'abort';
  readonly timeouts?: Partial<Timeouts>;
  /** A new connection to the same destination, to tell it the decision if the first one broke. */
  readonly reconnect?: () => Promise<ByteDuplex>;
  /** Clock for bandwidth and convergence (ms; default `performance.now`). Tests inject one. */
  readonly now?: () => number;
  readonly id?: string;
  readonly onProgress?: (progress: Progress) => void;
  /** Receives every byte of the QEMU stream as sent (e.g. to save it for `vmstate analyze`). */
  readonly capture?: (chunk: Uint8Array) => void;
  /** Stream bytes per DATA frame (default 1 MiB). */
  readonly chunkBytes?: number;
  /**
   * CRC-32 on every DATA frame (default true): a corrupted byte aborts the migration instead of
   * reaching the destination's memory. `false` trusts the transport (TCP's own checksum), as QEMU
   * does, for about a third less CPU per byte on each side (see docs/migrate.md, benchmark).
   */
  readonly checksum?: boolean;
}

/** Failure before the decision: the source keeps running. */
class Abort extends Error {
  constructor(
    message: string,
    readonly findings: readonly MigrationFinding[] = [],
  ) {
    super(message);
  }
}

function layoutOf(memory: readonly TrackedMemory[]): MemoryLayout[] {
  return memory.map((m) => ({ name: m.name, size: m.size, pageSize: m.pageSize }));
}

function reasonFrom(e: unknown): string {
  if (e instanceof Abort || e instanceof Broken || e instanceof MigrationError) return e.message;
  return `internal error: ${e instanceof Error ? e.message : String(e)}`;
}

/**
 * The source end of a live migration over `duplex` (see docs/migrate.md): handshake and
 * pre-flight, pre-copy passes until the expected downtime fits the budget, switch-over, and the
 * decision. Resolves with a report; it never rejects for anything the connection or the other end
 * does. The rule: the source decides, once. It hands over (calls `stop`) only on the
 * destination's ack; before that, any failure keeps it running (`resume` if it was paused). The
 * destination runs only when it hears `handed-over` (`confirm`); an acked destination that hears
 * nothing waits (in doubt) and the source tells it later over `reconnect`.
 */
export function migrateSource(
  duplex: ByteDuplex,
  live: LiveSource,
  options: SourceOptions = {},
): Promise<SourceReport> {
  return new SourceRun(duplex, live, options).run();
}

type Hello = Parameters<typeof preflight>[1];

/** One migration's state on the source side, from the handshake to the report. */
class SourceRun {
  private readonly t: Timeouts;
  private readonly now: () => number;
  private readonly started = performance.now();
  private readonly id: string;
  private readonly ch: Channel;
  private readonly memory: readonly TrackedMemory[];
  private readonly pageSize: number;
  private readonly machines: MachineRegistry | undefined;
  private readonly enc: StreamEncoder;
  private readonly count: PassCount = { pages: 0, zero: 0 };
  private streamBytes = 0;
  private findings: readonly MigrationFinding[] = [];
  private iterations = 0;
  private converged = false;
  private convergence: string | undefined;
  private throughput = 0;
  private bandwidth = 0;
  private dirtyRate = 0;
  private expected: number | undefined;
  private downtimeMs: number | undefined;
  private paused = false;
  private pausedAt = 0;
  private completeSent = false;
  private decision: Decision | undefined;

  constructor(
    duplex: ByteDuplex,
    private readonly live: LiveSource,
    private readonly options: SourceOptions,
  ) {
    this.t = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.now = options.now ?? (() => performance.now());
    this.id = options.id ?? randomUUID();
    this.ch = new Channel(duplex, this.t.idleMs);
    this.memory = live.memory;
    this.pageSize = this.memory[0]?.pageSize ?? 4096;
    this.machines = options.machines ?? options.versions?.machines;
    this.enc = new StreamEncoder({ pageSize: this.pageSize, ctx: live.ctx, reencode: false });
  }

  async run(): Promise<SourceReport> {
    try {
      this.emit('handshake');
      const hello = await this.ch.expect(['hello'], this.t.handshakeMs);
      if (hello.inDoubt !== undefined) {
        throw new Abort(`the destination still holds migration ${hello.inDoubt} in doubt`);
      }
      const pf = this.check(this.live.state(), hello);
      this.findings = pf.findings;
      if (!pf.ok) return await this.refuse(pf.findings);
      await this.begin();
      await this.precopy();
      await this.switchover(hello);
      await this.awaitAck();
      return await this.handOver();
    } catch (e) {
      return await this.failed(e);
    }
  }

  private async refuse(found: readonly MigrationFinding[]): Promise<SourceReport> {
    const reason = reasonOf(found);
    await this.ch.send({ type: 'refuse', reason, findings: found }).catch(() => undefined);
    this.ch.close();
    return this.report('refused', reason, true);
  }

  /** The stream's start: header, configuration and the RAM block list; every page dirty. */
  private async begin(): Promise<void> {
    const { live, enc } = this;
    await this.ch.send({ type: 'begin', id: this.id, release: live.release.name, machine: live.ctx.machine });
    enc.write({ type: 'header', version: 3 });
    enc.write({ type: 'configuration', machine: live.ctx.machine, subsections: [] });
    writeRamStart(enc, this.memory);
    await this.flush();
    for (const m of this.memory) m.markAllDirty();
  }

  /** Pre-copy: send what is dirty while the guest runs, until the rest fits the downtime budget. */
  private async precopy(): Promise<void> {
    const budget = this.options.downtimeMs ?? 300;
    const maxIterations = Math.max(1, this.options.maxIterations ?? 30);
    for (;;) {
      const dirty = this.memory.map((m) => m.syncDirty());
      this.emit(
        'precopy',
        dirty.reduce((n, d) => n + d.count, 0),
      );
      const t0 = this.now();
      const bytes0 = this.streamBytes;
      await writeRamPass(this.enc, 'part', this.memory, dirty, this.flush, this.chunk(), this.count);
      await this.flush();
      const dt = Math.max(this.now() - t0, 1e-3);
      this.bandwidth = ((this.streamBytes - bytes0) / dt) * 1000;
      if (this.iterations === 0) this.throughput = this.bandwidth;
      const left = this.dirtyBytes();
      this.dirtyRate = (left / dt) * 1000;
      const expected = (left / this.bandwidth) * 1000;
      this.expected = expected;
      this.iterations++;
      if (expected <= budget) {
        this.converged = true;
        return;
      }
      if (this.iterations >= maxIterations) {
        this.convergence =
          `did not converge in ${this.iterations} passes: the guest dirties ${mib(this.dirtyRate)} MiB/s ` +
          `against ${mib(this.bandwidth)} MiB/s of bandwidth; the pause would take about ` +
          `${Math.round(expected)} ms, over the ${budget} ms budget`;
        if (this.options.onNoConvergence === 'abort') throw new Abort(this.convergence);
        return;
      }
    }
  }

  /** Switch-over: pause, check the final state again, last pages, every device, the vmdesc. */
  private async switchover(hello: Hello): Promise<void> {
    await this.live.pause();
    this.paused = true;
    this.pausedAt = performance.now();
    this.emit('switchover', this.dirtyBytes() / this.pageSize);
    const state = this.live.state();
    if (this.options.versions) {
      const again = this.check(state, hello);
      if (!again.ok) {
        this.findings = again.findings;
        throw new Abort(`at switch-over: ${reasonOf(again.findings)}`, again.findings);
      }
    }
    await this.ch.send({ type: 'switchover', id: this.id, iteration: this.iterations });
    const last = this.memory.map((m) => m.syncDirty());
    await writeRamPass(this.enc, 'end', this.memory, last, this.flush, this.chunk(), this.count);
    const devices = this.writeDevices(state);
    this.enc.write({ type: 'eof' });
    const vmdesc = { page_size: this.pageSize, devices };
    this.enc.write({ type: 'vmdesc', text: JSON.stringify(vmdesc), vmdesc });
    await this.flush();
  }

  /** Every needed device as a FULL section; returns their vmdesc entries. */
  private writeDevices(state: VersionState): VmdescDevice[] {
    const { live, enc } = this;
    const devices: VmdescDevice[] = [];
    live.release.sections.forEach((s, i) => {
      const obj = (state[s.key] ?? initial(s.vmsd)) as never;
      if (!sectionNeeded(s.vmsd, obj, live.ctx)) return;
      const { bytes, vmdesc } = saveDescribed(s.vmsd, obj, { ctx: live.ctx });
      const sectionId = RAM_SECTION.sectionId + 1 + i;
      enc.write({
        type: 'section',
        kind: 'full',
        sectionId,
        idstr: s.idstr,
        instanceId: s.instanceId,
        version: s.vmsd.version,
      });
      enc.write({ type: 'device', decodedBy: 'description', desc: s.vmsd, state: obj, body: bytes });
      enc.write({ type: 'section-end', sectionId, footer: true });
      devices.push({ name: s.idstr, instance_id: s.instanceId, ...vmdesc });
    });
    return devices;
  }

  private async awaitAck(): Promise<void> {
    // Set first: if the send fails half-way, the destination may still have it (and ack).
    this.completeSent = true;
    await this.ch.send({ type: 'complete', id: this.id, bytes: this.streamBytes });
    this.emit('ack');
    const answer = await this.ch.expect(['ack', 'nack'], this.t.ackMs);
    if (answer.type === 'nack' || answer.id !== this.id) {
      throw new Abort(
        answer.type === 'nack'
          ? `the destination refused the load: ${answer.reason}`
          : 'ack for another migration',
      );
    }
  }

  /** The decision. From here on this side never runs again. */
  private async handOver(): Promise<SourceReport> {
    const decision = 'handed-over';
    this.decision = decision;
    this.downtimeMs = performance.now() - this.pausedAt;
    await this.live.stop();
    this.emit('decided');
    let delivered = false;
    try {
      await this.ch.send({ type: 'confirm', id: this.id });
      await this.ch.expect(['done'], this.t.ackMs);
      delivered = true;
      this.ch.close();
    } catch {
      this.ch.break(new Broken('lost', 'no done after confirm'));
      delivered = await deliverOutcome(this.id, decision, this.options.reconnect, this.t);
    }
    this.emit('done');
    return this.report('completed', undefined, delivered);
  }

  private async failed(e: unknown): Promise<SourceReport> {
    if (this.decision === 'handed-over') {
      // Only `stop` or the bookkeeping after it can land here: the hand-over stands.
      return this.report('completed', `after the hand-over: ${reasonFrom(e)}`, false);
    }
    const decision = 'kept';
    this.decision = decision;
    const reason = reasonFrom(e);
    if (e instanceof Abort && e.findings.length > 0) this.findings = e.findings;
    if (this.paused) await this.live.resume();
    // Tell the destination; if it may have acked (it had the whole stream), make sure it heard.
    let delivered = !this.completeSent;
    if (!this.ch.broken) {
      try {
        await this.ch.send({ type: 'abort', id: this.id, reason });
        if (this.completeSent) {
          await this.ch.expect(['done'], this.t.ackMs);
          delivered = true;
        }
      } catch {
        // handled below
      }
    }
    this.ch.break(new Broken('lost', 'aborted'));
    if (!delivered) delivered = await deliverOutcome(this.id, decision, this.options.reconnect, this.t);
    this.emit('done');
    return this.report('aborted', reason, delivered);
  }

  private chunk(): number {
    return this.options.chunkBytes ?? 1 << 20;
  }

  private dirtyBytes(): number {
    return this.memory.reduce((n, m) => n + m.dirtyCount, 0) * this.pageSize;
  }

  private emit(phase: Phase, dirtyPages = 0): void {
    this.options.onProgress?.({
      phase,
      iteration: this.iterations,
      bytes: this.streamBytes,
      dirtyPages,
      dirtyRate: this.dirtyRate,
      bandwidth: this.bandwidth,
      expectedDowntimeMs: this.expected ?? 0,
    });
  }

  // An arrow: writeRamPass calls it between chunks.
  private readonly flush = async (): Promise<void> => {
    if (this.enc.pending === 0) return;
    const bytes = this.enc.take();
    this.streamBytes += bytes.length;
    this.options.capture?.(bytes);
    await this.ch.sendData(bytes, this.options.checksum ?? true);
  };

  private check(state: VersionState, hello: Hello): Preflight {
    const { live, machines, options } = this;
    return preflight(
      {
        release: live.release,
        ctx: live.ctx,
        ...(machines ? { machines } : {}),
        ...(options.versions ? { versions: options.versions } : {}),
        memory: layoutOf(this.memory),
        state,
      },
      hello,
    );
  }

  private report(
    outcome: SourceReport['outcome'],
    reason: string | undefined,
    delivered: boolean,
  ): SourceReport {
    return {
      outcome,
      id: this.id,
      sourceRunning: this.decision !== 'handed-over',
      decision: this.decision,
      ...(reason === undefined ? {} : { reason }),
      findings: this.findings,
      iterations: this.iterations,
      converged: this.converged,
      ...(this.convergence === undefined ? {} : { convergence: this.convergence }),
      streamBytes: this.streamBytes,
      wireBytes: this.ch.sent,
      pagesSent: this.count.pages,
      zeroPages: this.count.zero,
      dirtyRate: this.dirtyRate,
      throughput: this.throughput,
      downtimeMs: this.downtimeMs,
      expectedDowntimeMs: this.expected,
      durationMs: performance.now() - this.started,
      outcomeDelivered: delivered,
    };
  }
}

function mib(bytesPerSecond: number): string {
  return (bytesPerSecond / (1 << 20)).toFixed(1);
}
