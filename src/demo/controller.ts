import { TIMER_NOT_ARMED } from '../index.js';
import {
  Cmd,
  CmdFlag,
  DataDir,
  DataState,
  Dir,
  Dor,
  Dsr,
  FIFO_SIZE,
  Msr,
  NUM_DRIVES,
  Phase,
  Port,
  RESET_SENSEI_COUNT,
  SECTOR,
  Sra,
  Srb,
  St0,
  St1,
  VERSION_ENHANCED,
} from './constants.js';
import type { FdcControllerState, FdcSectionState, FdriveState } from './description.js';
import type { DiskImage } from './disk.js';
import { Geometry, lbaOf, MEDIA_RATE_500K } from './disk.js';
import { DmaMode, type DmaState, dmaAvailable, dmaMove } from './dma.js';
import { BYTE_NS, READ_ID_NS, type Runtime } from './runtime.js';

/** What the controller is wired to: the clock, its IRQ line, DMA channel 2, RAM and the drives. */
export interface FdcHost {
  readonly now: number;
  setIrq(level: boolean): void;
  readonly dma: DmaState;
  readonly ram: Uint8Array;
  /** One slot per drive; `null`: no drive connected. */
  readonly disks: readonly (DiskImage | null)[];
}

interface CommandSpec {
  readonly code: number;
  readonly params: number;
}

const INVALID: CommandSpec = { code: -1, params: 0 };

/** Decodes an opcode byte as the chip does (modifier bits masked off). */
export function commandOf(byte: number): CommandSpec {
  if ((byte & 0x1f) === Cmd.READ) return { code: Cmd.READ, params: 8 };
  if ((byte & 0x3f) === Cmd.WRITE) return { code: Cmd.WRITE, params: 8 };
  if ((byte & 0xbf) === Cmd.READ_ID) return { code: Cmd.READ_ID, params: 1 };
  if ((byte & 0x7f) === Cmd.LOCK) return { code: Cmd.LOCK, params: 0 };
  switch (byte) {
    case Cmd.SPECIFY:
      return { code: byte, params: 2 };
    case Cmd.SENSE_DRIVE_STATUS:
    case Cmd.RECALIBRATE:
      return { code: byte, params: 1 };
    case Cmd.SENSE_INTERRUPT_STATUS:
    case Cmd.VERSION:
      return { code: byte, params: 0 };
    case Cmd.SEEK:
      return { code: byte, params: 2 };
    case Cmd.CONFIGURE:
      return { code: byte, params: 3 };
    default:
      return INVALID;
  }
}

function powerOnDrive(): FdriveState {
  return { head: 0, track: 0, sect: 0, media_changed: 1, media_rate: MEDIA_RATE_500K, perpendicular: 0 };
}

/** The state right after power-on and the device reset (what a fresh receiver holds). */
export function powerOnState(): FdcControllerState {
  return {
    sra: 0,
    srb: Srb.RESET_VALUE,
    dor_vmstate: 0,
    tdr: 0,
    dsr: 0,
    msr: Msr.RQM,
    status0: 0,
    status1: 0,
    status2: 0,
    fifo: new Array<number>(FIFO_SIZE).fill(0),
    data_pos: 0,
    data_len: 1,
    data_state: 0,
    data_dir: DataDir.WRITE,
    eot: 0,
    timer0: 0,
    timer1: 0,
    precomp_trk: 0,
    // Implied seeks, FIFO disabled until CONFIGURE (what QEMU starts with).
    config: 0x60,
    lock: 0,
    pwrd: 0,
    num_floppies: NUM_DRIVES,
    drives: Array.from({ length: NUM_DRIVES }, powerOnDrive),
    reset_sensei: 0,
    result_timer: TIMER_NOT_ARMED,
    phase: Phase.COMMAND,
    dor: Dor.NRESET | Dor.DMAEN,
    cur_drv: 0,
  };
}

/**
 * An 82077AA-style floppy disk controller. All of its state is `section.state` (plain data, the
 * shape of QEMU's `fdc` section plus the DOR, the selected drive and the phase); the one timer is
 * `result_timer`, an absolute deadline on the host's virtual clock that the host fires by calling
 * {@link Fdc.fire}. The timer's meaning depends on the phase, which is why a wrong phase after a
 * migration changes what the controller does next.
 */
export class Fdc {
  section: FdcSectionState;

  constructor(
    readonly runtime: Runtime,
    readonly host: FdcHost,
    state?: FdcSectionState,
  ) {
    if (state) this.section = state;
    else {
      this.section = { state: powerOnState() };
      this.#reset(false);
    }
  }

  get s(): FdcControllerState {
    return this.section.state;
  }

  /** The timer's deadline in ns, or undefined when it is not armed. */
  get deadline(): number | undefined {
    const t = this.s.result_timer;
    return t === TIMER_NOT_ARMED ? undefined : Number(t);
  }

  read(port: number): number {
    const s = this.s;
    switch (port) {
      case Port.SRA:
        return s.sra;
      case Port.SRB:
        return s.srb;
      case Port.DOR:
        return s.dor | s.cur_drv;
      case Port.TDR:
        return s.tdr;
      case Port.MSR:
        s.dsr &= ~Dsr.PWRDOWN;
        return s.msr;
      case Port.FIFO:
        return this.#readFifo();
      case Port.DIR:
        return this.#drive().media_changed ? Dir.DSKCHG : 0;
      default:
        return 0xff;
    }
  }

  write(port: number, value: number): void {
    const s = this.s;
    const v = value & 0xff;
    switch (port) {
      case Port.DOR:
        this.#writeDor(v);
        break;
      case Port.TDR:
        if (!this.#inReset()) s.tdr = v & 0x04;
        break;
      case Port.DSR:
        this.#writeDsr(v);
        break;
      case Port.FIFO:
        this.#writeFifo(v);
        break;
      case Port.CCR:
        if (!this.#inReset()) s.dsr = (s.dsr & ~Dsr.RATEMASK) | (v & Dsr.RATEMASK);
        break;
    }
  }

  /** The timer expired (the host calls this with its clock at the deadline). */
  fire(): void {
    const s = this.s;
    s.result_timer = TIMER_NOT_ARMED;
    switch (s.phase) {
      case Phase.COMMAND:
        if (!(s.msr & Msr.RQM)) this.#decoded();
        break;
      case Phase.RESULT:
        if (!(s.msr & Msr.RQM)) this.#toCommandPhase();
        break;
      case Phase.EXECUTION:
        this.#executionTimer();
        break;
    }
  }

  // ---- registers -------------------------------------------------------------------------

  #inReset(): boolean {
    return !(this.s.dor & Dor.NRESET);
  }

  #writeDor(v: number): void {
    const s = this.s;
    if (!(v & Dor.NRESET)) {
      if (!this.#inReset()) this.#enterReset();
    } else if (this.#inReset()) {
      this.#reset(true);
    }
    s.srb = (s.srb & ~(Srb.MTR0 | Srb.MTR1 | Srb.DR0)) | (v & Dor.MOTEN0 ? Srb.MTR0 : 0);
    s.srb |= (v & Dor.MOTEN1 ? Srb.MTR1 : 0) | (v & 1 ? Srb.DR0 : 0);
    // The select bits live in cur_drv (QEMU rebuilds both from dor_vmstate the same way).
    s.cur_drv = v & Dor.SELMASK;
    s.dor = v & ~Dor.SELMASK;
  }

  #writeDsr(v: number): void {
    const s = this.s;
    if (this.#inReset()) return;
    if (v & Dsr.SWRESET) {
      // Self-clearing software reset: the chip resets and leaves reset at once.
      this.#reset(true);
    } else if (v & Dsr.PWRDOWN) {
      this.#reset(true);
    }
    s.dsr = v & ~Dsr.SWRESET;
  }

  /** DOR's reset bit went low: the chip stops whatever it was doing and waits. */
  #enterReset(): void {
    const s = this.s;
    s.result_timer = TIMER_NOT_ARMED;
    this.#lowerIrq();
    this.#toCommandPhase();
    if (this.runtime.zeroMsrInReset) s.msr = 0;
  }

  /** The chip comes out of reset (QEMU's fdctrl_reset). */
  #reset(withIrq: boolean): void {
    const s = this.s;
    this.#lowerIrq();
    s.sra = this.host.disks[1] ? 0 : Sra.NDRV2;
    s.srb = Srb.RESET_VALUE;
    s.cur_drv = 0;
    s.dor = Dor.NRESET | Dor.DMAEN;
    s.msr = Msr.RQM;
    s.reset_sensei = 0;
    s.result_timer = TIMER_NOT_ARMED;
    s.data_state = 0;
    for (let i = 0; i < NUM_DRIVES; i++) this.#seek(i, 0, 0, 1);
    this.#toCommandPhase();
    if (withIrq) {
      s.status0 |= St0.RDYCHG;
      this.#raiseIrq();
      s.reset_sensei = RESET_SENSEI_COUNT;
    }
  }

  // ---- phases and the IRQ ----------------------------------------------------------------

  #toCommandPhase(): void {
    const s = this.s;
    s.phase = Phase.COMMAND;
    s.data_dir = DataDir.WRITE;
    s.data_pos = 0;
    s.data_len = 1;
    s.msr = (s.msr & ~(Msr.CMDBUSY | Msr.DIO | Msr.NONDMA)) | Msr.RQM;
  }

  #toResultPhase(length: number): void {
    const s = this.s;
    s.phase = Phase.RESULT;
    s.data_dir = DataDir.READ;
    s.data_len = length;
    s.data_pos = 0;
    s.msr = (s.msr & ~Msr.NONDMA) | Msr.CMDBUSY | Msr.RQM | Msr.DIO;
  }

  #raiseIrq(): void {
    const s = this.s;
    if (!(s.sra & Sra.INTPEND)) {
      s.sra |= Sra.INTPEND;
      this.host.setIrq(true);
    }
    s.reset_sensei = 0;
  }

  #lowerIrq(): void {
    const s = this.s;
    s.status0 = 0;
    if (s.sra & Sra.INTPEND) {
      s.sra &= ~Sra.INTPEND;
      this.host.setIrq(false);
    }
  }

  #arm(ns: number): void {
    this.s.result_timer = BigInt(this.host.now + ns);
  }

  // ---- the FIFO --------------------------------------------------------------------------

  #writeFifo(v: number): void {
    const s = this.s;
    if (this.#inReset()) return;
    // Not ready for a byte from the host: it is lost, as on the chip.
    if (!(s.msr & Msr.RQM) || s.msr & Msr.DIO) return;
    s.dsr &= ~Dsr.PWRDOWN;
    const pos = s.data_pos++ % FIFO_SIZE;
    s.fifo[pos] = v;
    if (s.data_pos === s.data_len) s.msr &= ~Msr.RQM;
    if (s.phase === Phase.EXECUTION) {
      this.#pioWrite(pos);
      return;
    }
    if (s.phase !== Phase.COMMAND) return;
    if (pos === 0) {
      s.data_len = commandOf(v).params + 1;
      s.msr |= Msr.CMDBUSY;
      if (this.runtime.decodeNs > 0) {
        s.msr &= ~Msr.RQM;
        this.#arm(this.runtime.decodeNs);
        return;
      }
      this.#decoded();
      return;
    }
    if (s.data_pos === s.data_len) this.#execute();
  }

  /** The opcode is decoded: ask for its parameters, or run it if it has none. */
  #decoded(): void {
    const s = this.s;
    if (commandOf(s.fifo[0] as number).params === 0) {
      s.msr &= ~Msr.RQM;
      this.#execute();
    } else s.msr |= Msr.RQM;
  }

  #readFifo(): number {
    const s = this.s;
    if (!(s.msr & Msr.RQM) || !(s.msr & Msr.DIO)) return 0;
    s.dsr &= ~Dsr.PWRDOWN;
    const pos = s.data_pos % FIFO_SIZE;
    if (s.phase === Phase.EXECUTION) return this.#pioRead(pos);
    if (s.phase !== Phase.RESULT) return 0;
    const value = s.fifo[pos] as number;
    s.data_pos++;
    if (s.data_pos === s.data_len) {
      this.#lowerIrq();
      if (this.runtime.windDownNs > 0) {
        s.msr &= ~Msr.RQM;
        this.#arm(this.runtime.windDownNs);
      } else this.#toCommandPhase();
    }
    return value;
  }

  // ---- commands --------------------------------------------------------------------------

  #execute(): void {
    const s = this.s;
    s.phase = Phase.EXECUTION;
    const f = s.fifo;
    const cmd = commandOf(f[0] as number);
    switch (cmd.code) {
      case Cmd.READ:
        this.#startTransfer(DataDir.READ);
        return;
      case Cmd.WRITE:
        this.#startTransfer(DataDir.WRITE);
        return;
      case Cmd.SEEK: {
        const unit = (f[1] as number) & Dor.SELMASK;
        s.cur_drv = unit;
        this.#seek(unit, ((f[1] as number) >> 2) & 1, f[2] as number, this.#drive().sect);
        this.#seekDone();
        return;
      }
      case Cmd.RECALIBRATE:
        s.cur_drv = (f[1] as number) & Dor.SELMASK;
        this.#seek(s.cur_drv, 0, 0, 1);
        this.#seekDone();
        return;
      case Cmd.SENSE_INTERRUPT_STATUS:
        this.#senseInterrupt();
        return;
      case Cmd.SENSE_DRIVE_STATUS: {
        s.cur_drv = (f[1] as number) & Dor.SELMASK;
        const d = this.#drive();
        d.head = ((f[1] as number) >> 2) & 1;
        f[0] = 0x28 | (d.track === 0 ? 0x10 : 0) | (d.head << 2) | s.cur_drv;
        this.#toResultPhase(1);
        return;
      }
      case Cmd.READ_ID:
        s.cur_drv = (f[1] as number) & Dor.SELMASK;
        this.#drive().head = ((f[1] as number) >> 2) & 1;
        this.#arm(READ_ID_NS);
        return;
      case Cmd.SPECIFY:
        s.timer0 = (f[1] as number) >> 4;
        s.timer1 = (f[2] as number) >> 1;
        // ND (non-DMA) turns the DMA gate off: transfers go through the FIFO.
        s.dor = (f[2] as number) & 1 ? s.dor & ~Dor.DMAEN : s.dor | Dor.DMAEN;
        this.#toCommandPhase();
        return;
      case Cmd.CONFIGURE:
        s.config = f[2] as number;
        s.precomp_trk = f[3] as number;
        this.#toCommandPhase();
        return;
      case Cmd.VERSION:
        f[0] = VERSION_ENHANCED;
        this.#toResultPhase(1);
        return;
      case Cmd.LOCK:
        s.lock = (f[0] as number) & 0x80 ? 1 : 0;
        f[0] = s.lock << 4;
        this.#toResultPhase(1);
        return;
      default:
        f[0] = St0.INVCMD;
        this.#toResultPhase(1);
    }
  }

  #seekDone(): void {
    this.#toCommandPhase();
    this.s.status0 |= St0.SEEK;
    this.#raiseIrq();
  }

  #senseInterrupt(): void {
    const s = this.s;
    const f = s.fifo;
    if (s.reset_sensei > 0) {
      f[0] = St0.RDYCHG + RESET_SENSEI_COUNT - s.reset_sensei;
      s.reset_sensei--;
    } else if (!(s.sra & Sra.INTPEND)) {
      f[0] = St0.INVCMD;
      this.#toResultPhase(1);
      return;
    } else {
      f[0] = (s.status0 & ~(St0.HEAD | 0x03)) | s.cur_drv;
    }
    f[1] = this.#drive().track;
    this.#toResultPhase(2);
    this.#lowerIrq();
  }

  /** The timer ran out during execution: the command that is in fifo[0] completes. */
  #executionTimer(): void {
    const cmd = commandOf(this.s.fifo[0] as number);
    if (cmd.code === Cmd.READ || cmd.code === Cmd.WRITE) this.#dmaDone();
    else if (cmd.code === Cmd.READ_ID) this.#readIdDone();
    else this.#stopTransfer(St0.ABNTERM, 0, 0);
  }

  #readIdDone(): void {
    const s = this.s;
    const d = this.#drive();
    if (!this.host.disks[s.cur_drv] || (s.dsr & Dsr.RATEMASK) !== d.media_rate) {
      this.#stopTransfer(St0.ABNTERM, St1.MA, 0);
      return;
    }
    // The disk spins: the next ID field to pass is the next sector.
    d.sect = (d.sect % Geometry.SECTORS) + 1;
    this.#stopTransfer(0, 0, 0);
  }

  // ---- data transfers ----------------------------------------------------------------------

  #drive(): FdriveState {
    return this.s.drives[this.s.cur_drv] as FdriveState;
  }

  #disk(): DiskImage | null {
    return this.host.disks[this.s.cur_drv] ?? null;
  }

  /** Moves the head; a track change with a disk in the drive clears the media-changed line. */
  #seek(unit: number, head: number, track: number, sect: number): void {
    const d = this.s.drives[unit] as FdriveState;
    const disk = this.host.disks[unit];
    if (!disk) return;
    if (track >= Geometry.TRACKS) return;
    if (d.track !== track) d.media_changed = 0;
    d.head = head;
    d.track = track;
    d.sect = sect;
  }

  #startTransfer(dir: number): void {
    const s = this.s;
    const f = s.fifo;
    s.cur_drv = (f[1] as number) & Dor.SELMASK;
    const d = this.#drive();
    const [track, head, sect, n, eot] = [f[2], f[3], f[4], f[5], f[6]] as [
      number,
      number,
      number,
      number,
      number,
    ];
    const bad = track >= Geometry.TRACKS || head > 1 || sect < 1 || sect > Geometry.SECTORS;
    if (!this.#disk() || bad) {
      this.#stopTransfer(St0.ABNTERM, bad ? St1.EC : St1.MA, 0);
      return;
    }
    if (d.track !== track) s.status0 |= St0.SEEK;
    this.#seek(s.cur_drv, head, track, sect);
    if ((s.dsr & Dsr.RATEMASK) !== d.media_rate) {
      this.#stopTransfer(St0.ABNTERM, St1.MA, 0);
      return;
    }
    const multi = (f[0] as number) & CmdFlag.MT;
    s.data_state = multi ? s.data_state | DataState.MULTI : s.data_state & ~DataState.MULTI;
    s.data_dir = dir;
    s.data_pos = 0;
    let sectors = Math.max(1, eot - sect + 1);
    if (multi) sectors += eot;
    s.data_len = (128 << Math.min(n, 7)) * sectors;
    s.eot = eot;
    if (s.dor & Dor.DMAEN) {
      // The chip hands the bus to the DMA controller: the host may not touch the FIFO.
      s.msr &= ~Msr.RQM;
      this.#arm(s.data_len * BYTE_NS);
      return;
    }
    s.msr |= Msr.NONDMA | Msr.RQM | (dir === DataDir.READ ? Msr.DIO : 0);
    if (dir === DataDir.READ) this.#loadSector();
    this.#raiseIrq();
  }

  /** After a sector: the next one on the track (then the other head with MT), or false at the end. */
  #nextSector(): boolean {
    const s = this.s;
    const d = this.#drive();
    const last = Math.min(s.eot || Geometry.SECTORS, Geometry.SECTORS);
    if (d.sect < last) {
      d.sect++;
      return true;
    }
    if (s.data_state & DataState.MULTI && d.head === 0) {
      d.head = 1;
      d.sect = 1;
      return true;
    }
    return false;
  }

  #lba(): number {
    const d = this.#drive();
    return lbaOf(d.track, d.head, d.sect);
  }

  #loadSector(): void {
    const disk = this.#disk();
    const data = disk ? disk.read(this.#lba()) : new Uint8Array(SECTOR);
    const f = this.s.fifo;
    for (let i = 0; i < SECTOR; i++) f[i] = data[i] as number;
  }

  #storeSector(): void {
    this.#disk()?.write(this.#lba(), Uint8Array.from(this.s.fifo.slice(0, SECTOR)));
  }

  #pioRead(pos: number): number {
    const s = this.s;
    if (!(s.msr & Msr.NONDMA)) return 0;
    if (pos === 0 && s.data_pos !== 0) {
      if (!this.#nextSector()) {
        this.#stopTransfer(St0.ABNTERM, St1.EC, 0);
        return 0;
      }
      this.#loadSector();
    }
    const value = s.fifo[pos] as number;
    s.data_pos++;
    if (s.data_pos === s.data_len) {
      this.#nextSector();
      this.#stopTransfer(0, 0, 0);
    }
    return value;
  }

  #pioWrite(pos: number): void {
    const s = this.s;
    if (!(s.msr & Msr.NONDMA)) return;
    const done = s.data_pos === s.data_len;
    if (pos === SECTOR - 1 || done) {
      this.#storeSector();
      if (!this.#nextSector() && !done) {
        this.#stopTransfer(St0.ABNTERM, St1.EC, 0);
        return;
      }
    }
    if (done) this.#stopTransfer(0, 0, 0);
  }

  /** The DMA transfer armed by #startTransfer has had its time: move the bytes now. */
  #dmaDone(): void {
    const s = this.s;
    const disk = this.#disk();
    if (!(s.dor & Dor.DMAEN) || s.msr & Msr.NONDMA || !disk) {
      this.#stopTransfer(St0.ABNTERM, 0, 0);
      return;
    }
    const reading = s.data_dir === DataDir.READ;
    const dma = this.host.dma;
    const want = Math.max(0, s.data_len - s.data_pos);
    const total = Math.min(want, dmaAvailable(dma, reading ? DmaMode.WRITE_MEMORY : DmaMode.READ_MEMORY));
    if (total === 0) {
      // DREQ was never acknowledged: the chip reports an overrun.
      this.#stopTransfer(St0.ABNTERM, St1.OR, 0);
      return;
    }
    let moved = 0;
    let endOfTrack = false;
    while (moved < total) {
      const chunk = Math.min(SECTOR, total - moved);
      const lba = this.#lba();
      const sector = disk.read(lba).slice();
      dmaMove(dma, this.host.ram, sector, 0, chunk);
      if (!reading) disk.write(lba, sector);
      moved += chunk;
      s.data_pos += chunk;
      if (chunk === SECTOR && !this.#nextSector() && moved < total) {
        endOfTrack = true;
        break;
      }
    }
    this.#stopTransfer(endOfTrack ? St0.ABNTERM : 0, endOfTrack ? St1.EC : 0, 0);
  }

  /** End of execution: the seven result bytes, the result phase, and the interrupt. */
  #stopTransfer(st0: number, st1: number, st2: number): void {
    const s = this.s;
    const d = this.#drive();
    s.status0 = (s.status0 & ~(St0.HEAD | 0x03)) | s.cur_drv | (d.head ? St0.HEAD : 0) | st0;
    s.status1 = st1;
    s.status2 = st2;
    const f = s.fifo;
    f[0] = s.status0;
    f[1] = st1;
    f[2] = st2;
    f[3] = d.track;
    f[4] = d.head;
    f[5] = d.sect;
    f[6] = 2;
    this.#toResultPhase(7);
    this.#raiseIrq();
  }
}
