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
export async function migrateSource(
  duplex: ByteDuplex,
  live: LiveSource,
  options: SourceOptions = {},
): Promise<SourceReport> {
  const t: Timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const now = options.now ?? (() => performance.now());
  const wall = () => performance.now();
  const started = wall();
  const id = options.id ?? randomUUID();
  const ch = new Channel(duplex, t.idleMs);
  const memory = live.memory;
  const pageSize = memory[0]?.pageSize ?? 4096;
  const chunk = options.chunkBytes ?? 1 << 20;
  const budget = options.downtimeMs ?? 300;
  const maxIterations = Math.max(1, options.maxIterations ?? 30);
  const machines = options.machines ?? options.versions?.machines;
  const enc = new StreamEncoder({ pageSize, ctx: live.ctx, reencode: false });
  const count: PassCount = { pages: 0, zero: 0 };
  let streamBytes = 0;
  let findings: readonly MigrationFinding[] = [];
  let iterations = 0;
  let converged = false;
  let convergence: string | undefined;
  let throughput = 0;
  let bandwidth = 0;
  let dirtyRate = 0;
  let expected: number | undefined;
  let downtimeMs: number | undefined;
  let paused = false;
  let pausedAt = 0;
  let completeSent = false;
  let decision: Decision | undefined;

  const emit = (phase: Phase, dirtyPages = 0) =>
    options.onProgress?.({
      phase,
      iteration: iterations,
      bytes: streamBytes,
      dirtyPages,
      dirtyRate,
      bandwidth,
      expectedDowntimeMs: expected ?? 0,
    });
  const flush = async () => {
    if (enc.pending === 0) return;
    const bytes = enc.take();
    streamBytes += bytes.length;
    options.capture?.(bytes);
    await ch.sendData(bytes, options.checksum ?? true);
  };
  const check = (state: VersionState, hello: Parameters<typeof preflight>[1]): Preflight =>
    preflight(
      {
        release: live.release,
        ctx: live.ctx,
        ...(machines ? { machines } : {}),
        ...(options.versions ? { versions: options.versions } : {}),
        memory: layoutOf(memory),
        state,
      },
      hello,
    );
  const report = (
    outcome: SourceReport['outcome'],
    reason: string | undefined,
    delivered: boolean,
  ): SourceReport => ({
    outcome,
    id,
    sourceRunning: decision !== 'handed-over',
    decision,
    ...(reason === undefined ? {} : { reason }),
    findings,
    iterations,
    converged,
    ...(convergence === undefined ? {} : { convergence }),
    streamBytes,
    wireBytes: ch.sent,
    pagesSent: count.pages,
    zeroPages: count.zero,
    dirtyRate,
    throughput,
    downtimeMs,
    expectedDowntimeMs: expected,
    durationMs: wall() - started,
    outcomeDelivered: delivered,
  });
  const dirtyBytes = () => memory.reduce((n, m) => n + m.dirtyCount, 0) * pageSize;

  try {
    emit('handshake');
    const hello = await ch.expect(['hello'], t.handshakeMs);
    if (hello.inDoubt !== undefined) {
      throw new Abort(`the destination still holds migration ${hello.inDoubt} in doubt`);
    }
    const pf = check(live.state(), hello);
    findings = pf.findings;
    if (!pf.ok) {
      const reason = reasonOf(pf.findings);
      await ch.send({ type: 'refuse', reason, findings: pf.findings }).catch(() => undefined);
      ch.close();
      return report('refused', reason, true);
    }
    await ch.send({ type: 'begin', id, release: live.release.name, machine: live.ctx.machine });
    enc.write({ type: 'header', version: 3 });
    enc.write({ type: 'configuration', machine: live.ctx.machine, subsections: [] });
    writeRamStart(enc, memory);
    await flush();
    for (const m of memory) m.markAllDirty();

    // Pre-copy: send what is dirty while the guest runs, until the rest fits the downtime budget.
    for (;;) {
      const dirty = memory.map((m) => m.syncDirty());
      emit(
        'precopy',
        dirty.reduce((n, d) => n + d.count, 0),
      );
      const t0 = now();
      const bytes0 = streamBytes;
      await writeRamPass(enc, 'part', memory, dirty, flush, chunk, count);
      await flush();
      const dt = Math.max(now() - t0, 1e-3);
      bandwidth = ((streamBytes - bytes0) / dt) * 1000;
      if (iterations === 0) throughput = bandwidth;
      const left = dirtyBytes();
      dirtyRate = (left / dt) * 1000;
      expected = (left / bandwidth) * 1000;
      iterations++;
      if (expected <= budget) {
        converged = true;
        break;
      }
      if (iterations >= maxIterations) {
        convergence =
          `did not converge in ${iterations} passes: the guest dirties ${mib(dirtyRate)} MiB/s ` +
          `against ${mib(bandwidth)} MiB/s of bandwidth; the pause would take about ` +
          `${Math.round(expected)} ms, over the ${budget} ms budget`;
        if (options.onNoConvergence === 'abort') throw new Abort(convergence);
        break;
      }
    }

    // Switch-over: pause, last pages, every device, then wait for the ack.
    await live.pause();
    paused = true;
    pausedAt = wall();
    emit('switchover', dirtyBytes() / pageSize);
    const state = live.state();
    if (options.versions) {
      const again = check(state, hello);
      if (!again.ok) {
        findings = again.findings;
        throw new Abort(`at switch-over: ${reasonOf(again.findings)}`, again.findings);
      }
    }
    await ch.send({ type: 'switchover', id, iteration: iterations });
    const last = memory.map((m) => m.syncDirty());
    await writeRamPass(enc, 'end', memory, last, flush, chunk, count);
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
    enc.write({ type: 'eof' });
    const vmdesc = { page_size: pageSize, devices };
    enc.write({ type: 'vmdesc', text: JSON.stringify(vmdesc), vmdesc });
    await flush();
    // Set first: if the send fails half-way, the destination may still have it (and ack).
    completeSent = true;
    await ch.send({ type: 'complete', id, bytes: streamBytes });
    emit('ack');
    const answer = await ch.expect(['ack', 'nack'], t.ackMs);
    if (answer.type === 'nack' || answer.id !== id) {
      throw new Abort(
        answer.type === 'nack'
          ? `the destination refused the load: ${answer.reason}`
          : 'ack for another migration',
      );
    }
    // The decision. From here on this side never runs again.
    decision = 'handed-over';
    downtimeMs = wall() - pausedAt;
    await live.stop();
    emit('decided');
    let delivered = false;
    try {
      await ch.send({ type: 'confirm', id });
      await ch.expect(['done'], t.ackMs);
      delivered = true;
      ch.close();
    } catch {
      ch.break(new Broken('lost', 'no done after confirm'));
      delivered = await deliverOutcome(id, decision, options.reconnect, t);
    }
    emit('done');
    return report('completed', undefined, delivered);
  } catch (e) {
    if (decision === 'handed-over') {
      // Only `stop` or the bookkeeping after it can land here: the hand-over stands.
      return report('completed', `after the hand-over: ${reasonFrom(e)}`, false);
    }
    decision = 'kept';
    const reason = reasonFrom(e);
    if (e instanceof Abort && e.findings.length > 0) findings = e.findings;
    if (paused) await live.resume();
    // Tell the destination; if it may have acked (it had the whole stream), make sure it heard.
    let delivered = !completeSent;
    if (!ch.broken) {
      try {
        await ch.send({ type: 'abort', id, reason });
        if (completeSent) {
          await ch.expect(['done'], t.ackMs);
          delivered = true;
        }
      } catch {
        // handled below
      }
    }
    ch.break(new Broken('lost', 'aborted'));
    if (!delivered) delivered = await deliverOutcome(id, decision, options.reconnect, t);
    emit('done');
    return report('aborted', reason, delivered);
  }
}

function mib(bytesPerSecond: number): string {
  return (bytesPerSecond / (1 << 20)).toFixed(1);
}
