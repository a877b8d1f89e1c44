import { Cmd, CmdFlag, Dor, Dsr, Msr, Port, SECTOR } from './constants.js';
import { chsOf } from './disk.js';
import { DmaPort } from './dma.js';
import { fnv1a, hex2, hex8 } from './hash.js';
import type { Machine } from './machine.js';
import type { Op, Profile, Transfer } from './workloads.js';

/**
 * The guest: a floppy driver that carries out a workload's operations through I/O ports, one
 * port access or pause per step. Everything it knows between operations is a plain object
 * ({@link DriverState}), so a run can be copied at an operation boundary and replayed from there.
 * Within an operation it is a generator: each `yield` is the end of one step.
 */

export interface DriverState {
  /** The next operation. */
  op: number;
  /** Motors the driver has switched on (DOR bits 4–5). */
  motors: number;
  /** What the driver saw, one line per event: result bytes, data read, errors, recoveries. */
  log: string[];
  timeouts: number;
  desyncs: number;
  errors: number;
  resets: number;
}

export function initialDriver(): DriverState {
  return { op: 0, motors: 0, log: [], timeouts: 0, desyncs: 0, errors: 0, resets: 0 };
}

export type Step = Generator<void, void, void>;
type Outcome = 'ok' | 'timeout' | 'desync';

/** Where the DMA buffer sits in guest RAM. */
const BUFFER = 0x1000;
/** Polls of the MSR before a command or result byte counts as lost (5 ms). */
const BYTE_POLLS = 5_000;
/** Sleeping for an interrupt gives up after this long. */
const IRQ_TIMEOUT_NS = 1_000_000_000;
/** Polling for a slow result: one MSR read every 100 µs, for at most 300 ms. */
const SLOW_POLL_NS = 100_000;
const SLOW_POLLS = 3_000;
/** How long DOR holds the chip in reset, and how long a motor takes to spin up. */
const RESET_HOLD_NS = 20_000;
const SPIN_UP_NS = 300_000_000;
const HALT_NS = 1_000_000;
const IDLE_CHUNK_NS = 10_000_000;

function* outb(m: Machine, port: number, value: number): Step {
  m.outb(port, value);
  yield;
}

function* inb(m: Machine, port: number): Generator<void, number, void> {
  const value = m.inb(port);
  yield;
  return value;
}

function* sleep(m: Machine, ns: number): Step {
  m.advance(ns);
  yield;
}

/**
 * Polls the MSR until the controller wants a byte in the given direction. `sloppy`: RQM alone
 * means "go" when writing (a driver that never checks DIO).
 */
function* ready(
  m: Machine,
  read: boolean,
  polls = BYTE_POLLS,
  pauseNs = 0,
  sloppy = false,
): Generator<void, Outcome, void> {
  for (let i = 0; i < polls; i++) {
    const msr = yield* inb(m, Port.MSR);
    if (msr & Msr.RQM) return ((msr & Msr.DIO) !== 0) === read || (sloppy && !read) ? 'ok' : 'desync';
    if (pauseNs > 0) yield* sleep(m, pauseNs);
  }
  return 'timeout';
}

function* command(
  m: Machine,
  p: Profile,
  bytes: readonly number[],
  count = bytes.length,
): Generator<void, Outcome, void> {
  for (let i = 0; i < count; i++) {
    const r = yield* ready(m, false, BYTE_POLLS, 0, !p.checksDirection);
    if (r !== 'ok') return r;
    yield* outb(m, Port.FIFO, bytes[i] as number);
  }
  return 'ok';
}

function* result(
  m: Machine,
  n: number,
  polls = BYTE_POLLS,
  pauseNs = 0,
): Generator<void, { outcome: Outcome; bytes: number[] }, void> {
  const bytes: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = yield* ready(m, true, i === 0 ? polls : BYTE_POLLS, i === 0 ? pauseNs : 0);
    if (r !== 'ok') return { outcome: r, bytes };
    bytes.push(yield* inb(m, Port.FIFO));
  }
  return { outcome: 'ok', bytes };
}

function* waitIrq(m: Machine): Generator<void, Outcome, void> {
  const start = m.now;
  while (!m.irqLevel) {
    if (m.now - start >= IRQ_TIMEOUT_NS) return 'timeout';
    m.halt(Math.min(HALT_NS, IRQ_TIMEOUT_NS - (m.now - start)));
    yield;
  }
  return 'ok';
}

const hexes = (bytes: readonly number[]) => bytes.map(hex2).join(' ');

/** What runOp's steps share: the machine, the driver's state, the profile and how to log. */
interface Ctx {
  readonly m: Machine;
  readonly d: DriverState;
  readonly p: Profile;
  readonly say: (text: string) => void;
  readonly dorValue: (drive?: number, reset?: boolean) => number;
}

/** Something went wrong: note it, reset the controller and set it up again. */
function* recover(ctx: Ctx, why: Outcome | 'status'): Step {
  const { d, say } = ctx;
  if (why === 'timeout') d.timeouts++;
  else if (why === 'desync') d.desyncs++;
  else d.errors++;
  say(`${why}: resetting`);
  yield* resetController(ctx, 'dor', true);
}

function* resetController(ctx: Ctx, how: 'dor' | 'dsr', patient: boolean): Step {
  const { m, d, p, say, dorValue } = ctx;
  d.resets++;
  if (how === 'dsr') yield* outb(m, Port.DSR, Dsr.SWRESET);
  else {
    yield* outb(m, Port.DOR, dorValue(0, true));
    yield* sleep(m, RESET_HOLD_NS);
    yield* outb(m, Port.DOR, dorValue(0));
  }
  if (patient && p.wait === 'irq') {
    const r = yield* waitIrq(m);
    if (r !== 'ok') say(`reset interrupt ${r}`);
  }
  const seen: number[] = [];
  for (let i = 0; i < 4; i++) {
    if ((yield* command(m, p, [Cmd.SENSE_INTERRUPT_STATUS])) !== 'ok') break;
    const r = yield* result(m, 2);
    seen.push(...r.bytes.slice(0, 1));
  }
  say(`reset ${how}: sense ${hexes(seen)}`);
  yield* specify(ctx);
}

function* specify(ctx: Ctx): Step {
  const { m, p } = ctx;
  // Step rate 3 ms, head unload 240 ms, head load 16 ms; ND for PIO.
  yield* command(m, p, [Cmd.SPECIFY, 0xdf, 0x10 | (p.transfer === 'pio' ? 1 : 0)]);
}

/** SEEK/RECALIBRATE end with an interrupt; SENSE INTERRUPT STATUS collects it. */
function* seekAndSense(ctx: Ctx, bytes: number[]): Generator<void, Outcome, void> {
  const { m, p, say } = ctx;
  const c = yield* command(m, p, bytes);
  if (c !== 'ok') return c;
  if (p.wait === 'irq') {
    const w = yield* waitIrq(m);
    if (w !== 'ok') return w;
  }
  const s = yield* command(m, p, [Cmd.SENSE_INTERRUPT_STATUS]);
  if (s !== 'ok') return s;
  const r = yield* result(m, 2);
  if (r.outcome === 'ok') say(`${bytes[0] === Cmd.SEEK ? 'seek' : 'recalibrate'}: ${hexes(r.bytes)}`);
  return r.outcome;
}

function* transfer(ctx: Ctx, t: Transfer): Step {
  const { m, d, p, say } = ctx;
  const { track, head, sect } = chsOf(t.lba);
  const label = `${t.k} ${t.drive}:${t.lba}+${t.count}`;
  const bytes = t.count * SECTOR;
  const payload = new Uint8Array(bytes);
  if (t.k === 'write') {
    let x = t.pattern | 1;
    for (let i = 0; i < bytes; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      payload[i] = (x ^ (i >> 9)) & 0xff;
    }
  }
  const cmd = [
    (t.k === 'read' ? Cmd.READ : Cmd.WRITE) | CmdFlag.MFM,
    (head << 2) | t.drive,
    track,
    head,
    sect,
    2,
    sect + t.count - 1,
    0x1b,
    0xff,
  ];
  for (let attempt = 0; attempt < 3; attempt++) {
    if (t.seek) {
      const s = yield* seekAndSense(ctx, [Cmd.SEEK, (head << 2) | t.drive, track]);
      if (s !== 'ok') {
        yield* recover(ctx, s);
        continue;
      }
    }
    if (p.transfer === 'dma') {
      if (t.k === 'write') m.ram.set(payload, BUFFER);
      yield* programDma(ctx, t.k === 'read' ? 0x46 : 0x4a, bytes);
    }
    if (attempt === 0 && t.abandonAfter !== undefined) {
      // Impatient: start the command, change its mind, reset the controller, start again.
      const c = yield* command(m, p, cmd, Math.min(t.abandonAfter, cmd.length));
      if (c === 'ok' && t.abandonAfter > cmd.length - 1) yield* sleep(m, HALT_NS);
      say(`${label} abandoned after ${t.abandonAfter} byte(s)`);
      yield* resetController(ctx, 'dor', false);
      continue;
    }
    const c = yield* command(m, p, cmd);
    if (c !== 'ok') {
      yield* recover(ctx, c);
      continue;
    }
    const data = p.transfer === 'pio' ? yield* pio(ctx, t.k === 'read', payload) : yield* dmaWait(ctx);
    if (data !== 'ok') {
      yield* recover(ctx, data);
      continue;
    }
    const r = yield* result(m, 7, SLOW_POLLS, p.transfer === 'dma' ? SLOW_POLL_NS : 0);
    if (r.outcome !== 'ok') {
      yield* recover(ctx, r.outcome);
      continue;
    }
    if ((r.bytes[0] as number) & 0xc0) {
      say(`${label}: error status ${hexes(r.bytes)}`);
      d.errors++;
      yield* seekAndSense(ctx, [Cmd.RECALIBRATE, t.drive]);
      continue;
    }
    const read = p.transfer === 'dma' ? m.ram.subarray(BUFFER, BUFFER + bytes) : payload;
    say(`${label}: ${hexes(r.bytes)}${t.k === 'read' ? ` data ${hex8(fnv1a(read))}` : ''}`);
    return;
  }
  say(`${label}: gave up`);
}

function* programDma(ctx: Ctx, mode: number, bytes: number): Step {
  const { m } = ctx;
  yield* outb(m, DmaPort.MASK, 0x06);
  yield* outb(m, DmaPort.FLIPFLOP, 0);
  yield* outb(m, DmaPort.MODE, mode);
  yield* outb(m, DmaPort.ADDR2, BUFFER & 0xff);
  yield* outb(m, DmaPort.ADDR2, (BUFFER >> 8) & 0xff);
  yield* outb(m, DmaPort.PAGE2, 0);
  yield* outb(m, DmaPort.COUNT2, (bytes - 1) & 0xff);
  yield* outb(m, DmaPort.COUNT2, ((bytes - 1) >> 8) & 0xff);
  yield* outb(m, DmaPort.MASK, 0x02);
}

function* dmaWait(ctx: Ctx): Generator<void, Outcome, void> {
  const { m, p } = ctx;
  if (p.wait === 'irq') return yield* waitIrq(m);
  return 'ok';
}

/** Moves the data through the FIFO: MSR before every byte, as long as NONDMA says "execution". */
function* pio(ctx: Ctx, reading: boolean, buffer: Uint8Array): Generator<void, Outcome, void> {
  const { m } = ctx;
  for (let i = 0; i < buffer.length; i++) {
    let polls = 0;
    for (;;) {
      const msr = yield* inb(m, Port.MSR);
      if ((msr & (Msr.RQM | Msr.NONDMA)) === (Msr.RQM | Msr.NONDMA)) {
        if (((msr & Msr.DIO) !== 0) !== reading) return 'desync';
        break;
      }
      // RQM without NONDMA: the controller ended the transfer early (result phase).
      if (msr & Msr.RQM) return 'ok';
      if (++polls >= BYTE_POLLS) return 'timeout';
    }
    if (reading) buffer[i] = yield* inb(m, Port.FIFO);
    else yield* outb(m, Port.FIFO, buffer[i] as number);
  }
  return 'ok';
}

/** Carries out operation `index` of the workload on machine `m`. */
export function* runOp(m: Machine, d: DriverState, p: Profile, op: Op, index: number): Step {
  m.tag = `#${index}`;
  const say = (text: string) => d.log.push(`#${index} ${text}`);
  const dorValue = (drive = 0, reset = false) =>
    (drive & Dor.SELMASK) | (reset ? 0 : Dor.NRESET) | (p.transfer === 'dma' ? Dor.DMAEN : 0) | d.motors;
  const ctx: Ctx = { m, d, p, say, dorValue };

  switch (op.k) {
    case 'reset':
      yield* resetController(ctx, op.how, p.name !== 'impatient');
      return;
    case 'rate':
      yield* outb(m, Port.CCR, 0);
      return;
    case 'specify':
      yield* specify(ctx);
      return;
    case 'version':
    case 'lock': {
      const c = yield* command(m, p, [op.k === 'version' ? Cmd.VERSION : Cmd.LOCK | 0x80]);
      const r = c === 'ok' ? yield* result(m, 1) : { outcome: c, bytes: [] };
      if (r.outcome !== 'ok') yield* recover(ctx, r.outcome);
      else say(`${op.k}: ${hexes(r.bytes)}`);
      return;
    }
    case 'configure':
      // Implied seeks on, FIFO on with a threshold of 8, no polling; precompensation from track 0.
      yield* command(m, p, [Cmd.CONFIGURE, 0, 0x17, 0]);
      return;
    case 'motor':
      d.motors = op.on ? d.motors | (Dor.MOTEN0 << op.drive) : d.motors & ~(Dor.MOTEN0 << op.drive);
      yield* outb(m, Port.DOR, dorValue(op.drive));
      if (op.on && p.name !== 'impatient') yield* sleep(m, SPIN_UP_NS);
      return;
    case 'recalibrate':
    case 'seek': {
      const bytes =
        op.k === 'seek' ? [Cmd.SEEK, (op.head << 2) | op.drive, op.track] : [Cmd.RECALIBRATE, op.drive];
      const r = yield* seekAndSense(ctx, bytes);
      if (r !== 'ok') yield* recover(ctx, r);
      return;
    }
    case 'senseDrive': {
      const c = yield* command(m, p, [Cmd.SENSE_DRIVE_STATUS, (op.head << 2) | op.drive]);
      const r = c === 'ok' ? yield* result(m, 1) : { outcome: c, bytes: [] };
      if (r.outcome !== 'ok') yield* recover(ctx, r.outcome);
      else say(`sense drive ${op.drive}: ${hexes(r.bytes)}`);
      return;
    }
    case 'readId': {
      const c = yield* command(m, p, [Cmd.READ_ID | CmdFlag.MFM, (op.head << 2) | op.drive]);
      if (c !== 'ok') {
        yield* recover(ctx, c);
        return;
      }
      if (p.wait === 'irq') {
        const w = yield* waitIrq(m);
        if (w !== 'ok') {
          yield* recover(ctx, w);
          return;
        }
      }
      const r = yield* result(m, 7, SLOW_POLLS, SLOW_POLL_NS);
      if (r.outcome !== 'ok') yield* recover(ctx, r.outcome);
      else say(`read id ${op.drive}/${op.head}: ${hexes(r.bytes)}`);
      return;
    }
    case 'idle':
      for (let t = 0; t < op.ns; t += IDLE_CHUNK_NS) yield* sleep(m, Math.min(IDLE_CHUNK_NS, op.ns - t));
      return;
    case 'read':
    case 'write':
      yield* transfer(ctx, op);
      return;
  }
}
