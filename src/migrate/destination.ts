import { initial } from '../codec/index.js';
import { dumpDescriptions, type ReleasedVersion, type VersionState } from '../compat/index.js';
import type { MachineRegistry, MigrationContext } from '../describe/index.js';
import { fail, MigrationError } from '../errors/index.js';
import { descriptionLookup, readStream, type StreamItem } from '../stream/index.js';
import { Broken, Channel } from './channel.js';
import type { ByteDuplex } from './duplex.js';
import type { MigrationFinding } from './findings.js';
import { TrackedMemory } from './memory.js';
import { type ControlMessage, type Decision, type MemoryLayout, PROTOCOL } from './messages.js';
import { RAM_SECTION, RamLoader } from './ram.js';
import { DEFAULT_TIMEOUTS, type DestinationReport, type Progress, type Timeouts } from './report.js';

/** What the destination loaded: device state by section key and the memories, ready to run. */
export interface Staged {
  readonly state: VersionState;
  readonly memory: readonly TrackedMemory[];
}

export interface DestinationOptions {
  readonly release: ReleasedVersion;
  /** The machine type this side was started with (the source's must be the same). */
  readonly ctx: MigrationContext;
  /** For the `-dump-vmstate` descriptions announced in the handshake. */
  readonly machines?: MachineRegistry;
  /** The RAM blocks this side has. */
  readonly memory: readonly MemoryLayout[];
  /** Extra validation of the staged state before the ack: a string refuses the load. */
  readonly validate?: (staged: Staged) => string | undefined;
  /** Takes over the staged state and starts running; called once, only after the decision. */
  readonly commit: (staged: Staged) => void | Promise<void>;
  readonly timeouts?: Partial<Timeouts>;
  readonly onProgress?: (progress: Progress) => void;
}

type Hello = Extract<ControlMessage, { type: 'hello' }>;

/**
 * The destination end: `accept` every connection the source opens (the migration itself, and
 * later ones that bring the decision to an in-doubt destination); `done` resolves with the report.
 * The state is loaded into staging memories and fresh device states; only `commit` makes it live,
 * and only when the source has decided `handed-over`. Before its ack the destination discards on
 * any failure; after it, it waits for the decision and never decides alone.
 */
export class MigrationDestination {
  readonly done: Promise<DestinationReport>;
  private finish!: (report: DestinationReport) => void;
  private readonly t: Timeouts;
  private readonly hello: Hello;
  private id: string | undefined;
  private acked = false;
  private settled = false;
  private staged: Staged | undefined;
  /** Decisions heard for migrations this side had not acked yet (they win over a later ack). */
  private readonly known = new Map<string, Decision>();
  private decisionWaiter: ((d: Decision) => void) | undefined;
  private active: Channel | undefined;
  private streamBytes = 0;
  private iterations = 0;
  private loadMs: number | undefined;
  /** Stream offset at the last RAM pass, so a pass that sent nothing reports no progress. */
  private lastPassBytes = 0;

  constructor(private readonly options: DestinationOptions) {
    this.t = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.done = new Promise((resolve) => {
      this.finish = resolve;
    });
    const r = options.release;
    this.hello = {
      type: 'hello',
      protocol: PROTOCOL,
      release: r.name,
      machine: options.ctx.machine,
      machines: r.machines,
      descriptions: dumpDescriptions(r.sections, {
        ...(options.machines ? { machines: options.machines } : {}),
        machine: options.ctx.machine,
      }),
      memory: options.memory,
    };
  }

  /** Whether it acked and still waits for the decision. */
  get inDoubt(): boolean {
    return this.acked && !this.settled;
  }

  private report(
    outcome: DestinationReport['outcome'],
    reason?: string,
    findings: readonly MigrationFinding[] = [],
  ): void {
    if (this.settled) return;
    this.settled = true;
    this.finish({
      outcome,
      id: this.id,
      ...(reason === undefined ? {} : { reason }),
      findings,
      streamBytes: this.streamBytes,
      iterations: this.iterations,
      loadMs: this.loadMs,
    });
  }

  private emit(phase: Progress['phase']): void {
    this.options.onProgress?.({
      phase,
      iteration: this.iterations,
      bytes: this.streamBytes,
      dirtyPages: 0,
      dirtyRate: 0,
      bandwidth: 0,
      expectedDowntimeMs: 0,
    });
  }

  /** Serves one connection from the source. Never rejects. */
  async accept(duplex: ByteDuplex): Promise<void> {
    const ch = new Channel(duplex, this.t.idleMs);
    try {
      await ch.send({ ...this.hello, ...(this.inDoubt && this.id ? { inDoubt: this.id } : {}) });
      const first = await ch.expect(['refuse', 'begin', 'outcome'], this.t.handshakeMs);
      if (first.type === 'outcome') {
        await this.decide(first.id, first.decision);
        await ch.send({ type: 'done', id: first.id });
        ch.close();
        return;
      }
      if (this.id !== undefined || this.settled) {
        ch.break(new Broken('protocol', 'this destination already took a migration'));
        return;
      }
      if (first.type === 'refuse') {
        ch.close();
        this.report('refused', first.reason, first.findings);
        return;
      }
      this.id = first.id;
      this.active = ch;
      await this.run(ch, first.id);
    } catch (e) {
      ch.break(e instanceof Broken ? e : new Broken('protocol', String(e)));
      if (this.id === undefined && this.active === undefined) this.report('discarded', reasonOf(e));
    }
  }

  /** Applies the source's decision (from `confirm`/`abort` or a later `outcome`), once. */
  private async decide(id: string, decision: Decision): Promise<void> {
    if (id !== this.id || !this.acked) {
      // Not acked (yet): remember it, so this side never acks; stop a load in progress.
      this.known.set(id, decision);
      if (id === this.id && !this.acked) this.active?.break(new Broken('protocol', 'the source decided'));
      return;
    }
    if (this.settled) return;
    const waiter = this.decisionWaiter;
    this.decisionWaiter = undefined;
    if (decision === 'handed-over') {
      const staged = this.staged as Staged;
      this.staged = undefined;
      await this.options.commit(staged);
      this.report('running');
    } else {
      this.staged = undefined;
      this.report('discarded', 'the source kept running');
    }
    waiter?.(decision);
  }

  /** For an operator, when `done` said `in-doubt`: what the source says it decided. */
  async resolve(decision: Decision): Promise<void> {
    if (this.id !== undefined) await this.decide(this.id, decision);
  }

  private async run(ch: Channel, id: string): Promise<void> {
    try {
      this.staged = await this.load(ch, id);
    } catch (e) {
      const reason = reasonOf(e);
      if (!ch.broken && e instanceof MigrationError) {
        await ch.send({ type: 'nack', id, reason, issues: e.issues }).catch(() => undefined);
      }
      ch.break(e instanceof Broken ? e : new Broken('protocol', reason));
      this.staged = undefined;
      this.report('discarded', reason);
      return;
    }
    const early = this.known.get(id);
    if (early !== undefined) {
      ch.break(new Broken('protocol', 'decided'));
      this.staged = undefined;
      this.report('discarded', 'the source kept running');
      return;
    }
    // The ack: from now on only the source's decision moves this side.
    this.acked = true;
    this.emit('ack');
    const heard = new Promise<Decision>((resolve) => {
      this.decisionWaiter = resolve;
    });
    try {
      await ch.send({ type: 'ack', id });
      const m = await ch.expect(['confirm', 'abort'], this.t.ackMs);
      await this.decide(id, m.type === 'confirm' ? 'handed-over' : 'kept');
      await ch.send({ type: 'done', id }).catch(() => undefined);
      ch.close();
      this.emit('done');
      return;
    } catch {
      ch.break(new Broken('lost', 'no decision'));
    }
    // In doubt: wait for the source to bring the decision over another connection.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.t.inDoubtMs);
    });
    const got = await Promise.race([heard, timeout]);
    clearTimeout(timer);
    if (got === 'timeout' && !this.settled) {
      this.report(
        'in-doubt',
        `acked migration ${id}, and the decision did not arrive within ${this.t.inDoubtMs} ms`,
      );
    }
    this.emit('done');
  }

  /** Reads the whole stream into staging: fresh memories and device states. */
  private async load(ch: Channel, id: string): Promise<Staged> {
    const { release, ctx } = this.options;
    const memory = this.options.memory.map(
      (l) => new TrackedMemory(l.size, { name: l.name, pageSize: l.pageSize }),
    );
    const ram = new RamLoader(memory);
    const keys = new Map(release.sections.map((s) => [`${s.idstr}\u0000${s.instanceId}`, s]));
    let current = '';
    const state: VersionState = {};
    this.lastPassBytes = 0;
    this.emit('precopy');
    for await (const item of readStream(ch.stream(), {
      descriptions: descriptionLookup(release.sections),
      ctx,
      vmdesc: 'none',
      footers: true,
      pageSize: memory[0]?.pageSize ?? 4096,
      onProgress: (offset) => {
        this.streamBytes = offset;
      },
    })) {
      if (ram.apply(item)) continue;
      if (item.type === 'section') {
        current = `${item.idstr}\u0000${item.instanceId}`;
        this.onSection(item);
      } else {
        this.take(item, keys.get(current), state);
      }
    }
    return this.stage(ch, id, state, memory);
  }

  /** A section header: RAM passes count as pre-copy iterations; END starts the switch-over. */
  private onSection(item: Extract<StreamItem, { type: 'section' }>): void {
    if (item.idstr !== RAM_SECTION.idstr) return;
    if (item.version !== RAM_SECTION.version) {
      fail('unsupported', `RAM section version ${item.version}`, { path: ['ram (0)'] });
    }
    if (item.kind === 'part') {
      this.iterations++;
      if (this.streamBytes - this.lastPassBytes > 0) this.emit('precopy');
      this.lastPassBytes = this.streamBytes;
    }
    if (item.kind === 'end') this.emit('switchover');
  }

  /** Any other item: a device's state goes into `state` under its section (`s`); the rest is refused. */
  private take(
    item: StreamItem,
    s: ReleasedVersion['sections'][number] | undefined,
    state: VersionState,
  ): void {
    const at = 'offset' in item && item.offset !== undefined ? { offset: item.offset } : {};
    switch (item.type) {
      case 'configuration':
        if (item.machine !== this.options.ctx.machine) {
          fail(
            'invalid-value',
            `stream of machine type ${item.machine}, this side runs ${this.options.ctx.machine}`,
            { path: ['configuration'] },
          );
        }
        break;
      case 'device':
        if (!s || item.decodedBy !== 'description') {
          fail('unknown-section', `this release has no section for a device in the stream`, at);
        }
        state[s.key] = item.state;
        break;
      case 'opaque':
        fail('unknown-section', 'a device section this release does not know', at);
        break;
      case 'command':
        fail('unsupported', `command ${item.cmd} in a live migration`, at);
        break;
      default:
        break;
    }
  }

  /** After the stream: wait for `complete`, fill unsent sections with their initial state, validate. */
  private async stage(
    ch: Channel,
    id: string,
    state: VersionState,
    memory: readonly TrackedMemory[],
  ): Promise<Staged> {
    const started = performance.now();
    for (;;) {
      const m = await ch.expect(['switchover', 'complete']);
      if (m.type === 'complete') {
        if (m.id !== id) fail('invalid-value', 'complete for another migration');
        break;
      }
    }
    for (const s of this.options.release.sections)
      if (!(s.key in state)) state[s.key] = initial(s.vmsd) as Record<string, unknown>;
    const staged: Staged = { state, memory };
    const refusal = this.options.validate?.(staged);
    if (refusal !== undefined) fail('validation-failed', refusal);
    this.loadMs = performance.now() - started;
    return staged;
  }
}

function reasonOf(e: unknown): string {
  if (e instanceof Broken || e instanceof MigrationError) return e.message;
  return `internal error: ${e instanceof Error ? e.message : String(e)}`;
}
