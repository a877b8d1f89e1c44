import { describe, expect, it } from 'vitest';
import { Cmd, CmdFlag, Dor, Msr, Phase, Port, reconstructPhase, Sra } from './constants.js';
import { DiskImage, lbaOf } from './disk.js';
import { DmaPort } from './dma.js';
import { Machine } from './machine.js';
import { RUNTIMES, type Runtime } from './runtime.js';

/** A machine with both drives, brought out of reset the way a BIOS does. */
function booted(runtime: Runtime = RUNTIMES.v2): Machine {
  const m = new Machine(runtime, 7);
  m.outb(Port.DOR, Dor.DMAEN);
  m.outb(Port.DOR, Dor.NRESET | Dor.DMAEN | Dor.MOTEN0 | Dor.MOTEN1);
  for (let i = 0; i < 4; i++) {
    send(m, [Cmd.SENSE_INTERRUPT_STATUS]);
    results(m, 2);
  }
  // Past the last result byte's pause (v2), so the next write is accepted.
  m.advance(10_000);
  return m;
}

/** Writes command bytes, each after polling the MSR as a driver does. */
function send(m: Machine, bytes: readonly number[]): void {
  for (const b of bytes) {
    let polls = 0;
    while ((m.inb(Port.MSR) & (Msr.RQM | Msr.DIO)) !== Msr.RQM) {
      if (++polls > 100) throw new Error(`controller not ready for 0x${b.toString(16)}`);
    }
    m.outb(Port.FIFO, b);
  }
}

function results(m: Machine, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let polls = 0;
    while ((m.inb(Port.MSR) & (Msr.RQM | Msr.DIO)) !== (Msr.RQM | Msr.DIO)) {
      if (++polls > 10_000) throw new Error('no result byte');
      m.advance(100_000);
    }
    out.push(m.inb(Port.FIFO));
  }
  return out;
}

describe('registers, reset and interrupts', () => {
  it('comes out of reset with an interrupt that four SENSE INTERRUPT STATUS collect (C0..C3)', () => {
    const m = new Machine(RUNTIMES.v2, 1);
    expect(m.inb(Port.MSR)).toBe(Msr.RQM);
    m.outb(Port.DOR, 0);
    expect(m.irqLevel).toBe(false);
    m.outb(Port.DOR, Dor.NRESET | Dor.DMAEN);
    expect(m.irqLevel).toBe(true);
    expect(m.inb(Port.SRA) & Sra.INTPEND).toBe(Sra.INTPEND);
    const st0 = [0, 1, 2, 3].map(() => {
      send(m, [Cmd.SENSE_INTERRUPT_STATUS]);
      return results(m, 2)[0];
    });
    expect(st0).toEqual([0xc0, 0xc1, 0xc2, 0xc3]);
    expect(m.irqLevel).toBe(false);
    // No interrupt pending any more: an invalid-command answer.
    send(m, [Cmd.SENSE_INTERRUPT_STATUS]);
    expect(results(m, 1)).toEqual([0x80]);
    expect(m.irqLog).toHaveLength(1);
  });

  it('answers VERSION, LOCK, SENSE DRIVE STATUS, and an invalid opcode', () => {
    const m = booted();
    send(m, [Cmd.VERSION]);
    expect(results(m, 1)).toEqual([0x90]);
    send(m, [Cmd.LOCK | 0x80]);
    expect(results(m, 1)).toEqual([0x10]);
    send(m, [Cmd.SENSE_DRIVE_STATUS, 0x01]);
    expect(results(m, 1)).toEqual([0x28 | 0x10 | 0x01]);
    send(m, [0x1f]);
    expect(results(m, 1)).toEqual([0x80]);
  });

  it('SPECIFY and CONFIGURE have no result phase; DOR reads back with the selected drive', () => {
    const m = booted();
    send(m, [Cmd.SPECIFY, 0xdf, 0x03]);
    send(m, [Cmd.CONFIGURE, 0, 0x17, 0]);
    m.advance(10_000);
    expect(m.inb(Port.MSR)).toBe(Msr.RQM);
    expect(m.fdc.s.timer0).toBe(0x0d);
    expect(m.fdc.s.config).toBe(0x17);
    // ND was set: the DMA gate is off.
    expect(m.fdc.s.dor & Dor.DMAEN).toBe(0);
    m.outb(Port.DOR, Dor.NRESET | Dor.MOTEN1 | 1);
    expect(m.inb(Port.DOR)).toBe(Dor.NRESET | Dor.MOTEN1 | 1);
  });

  it('SEEK and RECALIBRATE interrupt; SENSE INTERRUPT STATUS reports seek end and the cylinder', () => {
    const m = booted();
    send(m, [Cmd.SEEK, 0x01, 33]);
    expect(m.irqLevel).toBe(true);
    send(m, [Cmd.SENSE_INTERRUPT_STATUS]);
    expect(results(m, 2)).toEqual([0x21, 33]);
    expect(m.irqLevel).toBe(false);
    send(m, [Cmd.RECALIBRATE, 0x01]);
    send(m, [Cmd.SENSE_INTERRUPT_STATUS]);
    expect(results(m, 2)).toEqual([0x21, 0]);
  });

  it('READ ID takes its time on the virtual clock, then interrupts with the next sector', () => {
    const m = booted();
    send(m, [Cmd.READ_ID | CmdFlag.MFM, 0x00]);
    expect(m.fdc.s.phase).toBe(Phase.EXECUTION);
    expect(m.inb(Port.MSR)).toBe(Msr.CMDBUSY);
    m.advance(4_000_000);
    expect(m.irqLevel).toBe(false);
    m.advance(2_000_000);
    expect(m.irqLevel).toBe(true);
    expect(results(m, 7)).toEqual([0, 0, 0, 0, 0, 2, 2]);
  });
});

describe('data transfers', () => {
  it('PIO READ hands out the sector byte by byte, then the result and the interrupt', () => {
    const m = booted();
    send(m, [Cmd.SPECIFY, 0xdf, 0x03]);
    const lba = lbaOf(5, 1, 3);
    send(m, [Cmd.READ | CmdFlag.MFM, 0x04, 5, 1, 3, 2, 3, 0x1b, 0xff]);
    const data = new Uint8Array(512);
    for (let i = 0; i < 512; i++) {
      expect(m.inb(Port.MSR) & (Msr.RQM | Msr.NONDMA | Msr.DIO)).toBe(Msr.RQM | Msr.NONDMA | Msr.DIO);
      data[i] = m.inb(Port.FIFO);
    }
    expect(Buffer.from(data).equals(Buffer.from(DiskImage.pristine(7, 0, lba)))).toBe(true);
    expect(m.fdc.s.phase).toBe(Phase.RESULT);
    // At EOT the position stays on the last sector.
    expect(results(m, 7)).toEqual([0x04 | 0x20, 0, 0, 5, 1, 3, 2]);
  });

  it('DMA WRITE moves RAM to the disk when the transfer time has passed, then interrupts', () => {
    const m = booted();
    const payload = Uint8Array.from({ length: 1024 }, (_, i) => (i * 7) & 0xff);
    m.ram.set(payload, 0x1000);
    for (const [port, v] of [
      [DmaPort.MASK, 0x06],
      [DmaPort.FLIPFLOP, 0],
      [DmaPort.MODE, 0x4a],
      [DmaPort.ADDR2, 0x00],
      [DmaPort.ADDR2, 0x10],
      [DmaPort.PAGE2, 0],
      [DmaPort.COUNT2, 0xff],
      [DmaPort.COUNT2, 0x03],
      [DmaPort.MASK, 0x02],
    ] as const) {
      m.outb(port, v);
    }
    send(m, [Cmd.WRITE | CmdFlag.MFM, 0x01, 10, 0, 17, 2, 18, 0x1b, 0xff]);
    // The bus belongs to the DMA controller: RQM is low for the whole execution phase.
    expect(m.inb(Port.MSR)).toBe(Msr.CMDBUSY);
    expect(m.irqLevel).toBe(false);
    m.advance(2 * 512 * 16_000);
    expect(m.irqLevel).toBe(true);
    expect(results(m, 7)).toEqual([0x21, 0, 0, 10, 0, 18, 2]);
    const disk = m.disks[1] as DiskImage;
    expect(Buffer.from(disk.read(lbaOf(10, 0, 17))).equals(Buffer.from(payload.subarray(0, 512)))).toBe(true);
    expect(Buffer.from(disk.read(lbaOf(10, 0, 18))).equals(Buffer.from(payload.subarray(512)))).toBe(true);
    expect(m.dma.tc).toBe(1);
  });
});

describe('phases and the MSR', () => {
  it('v2 drops RQM while the opcode is decoded and after the last result byte; v1 never does', () => {
    for (const runtime of [RUNTIMES.v1, RUNTIMES.v2]) {
      const m = booted(runtime);
      m.outb(Port.FIFO, Cmd.SEEK);
      const afterOpcode = { msr: m.fdc.s.msr, phase: m.fdc.s.phase };
      m.advance(1_000);
      send(m, [0x00, 3]);
      send(m, [Cmd.SENSE_INTERRUPT_STATUS]);
      results(m, 2);
      const afterResult = { msr: m.fdc.s.msr, phase: m.fdc.s.phase };
      if (runtime.name === 'v1') {
        expect(afterOpcode).toEqual({ msr: Msr.RQM | Msr.CMDBUSY, phase: Phase.COMMAND });
        expect(afterResult).toEqual({ msr: Msr.RQM, phase: Phase.COMMAND });
      } else {
        expect(afterOpcode).toEqual({ msr: Msr.CMDBUSY, phase: Phase.COMMAND });
        expect(reconstructPhase(afterOpcode.msr)).toBe(Phase.EXECUTION);
        expect(afterResult).toEqual({ msr: Msr.CMDBUSY | Msr.DIO, phase: Phase.RESULT });
        expect(reconstructPhase(afterResult.msr)).toBe(Phase.EXECUTION);
        m.advance(2_000);
        expect({ msr: m.fdc.s.msr, phase: m.fdc.s.phase }).toEqual({ msr: Msr.RQM, phase: Phase.COMMAND });
      }
    }
  });

  it('v2 reads MSR 0 while DOR holds the chip in reset; v1 keeps RQM', () => {
    for (const runtime of [RUNTIMES.v1, RUNTIMES.v2]) {
      const m = booted(runtime);
      m.outb(Port.DOR, Dor.DMAEN);
      expect(m.inb(Port.MSR)).toBe(runtime.name === 'v1' ? Msr.RQM : 0);
      expect(m.fdc.s.phase).toBe(Phase.COMMAND);
    }
  });

  it('the timer means what the phase says: an opcode caught decoding but inferred as EXECUTION is aborted', () => {
    const m = booted();
    m.outb(Port.FIFO, Cmd.VERSION);
    expect(m.fdc.s.phase).toBe(Phase.COMMAND);
    const wrong = m.clone();
    wrong.fdc.s.phase = reconstructPhase(wrong.fdc.s.msr);
    m.advance(2_000);
    wrong.advance(2_000);
    expect(results(m, 1)).toEqual([0x90]);
    // The wrong phase ran the timer as the end of an execution: abnormal termination, 7 bytes.
    expect(wrong.irqLevel).toBe(true);
    expect(results(wrong, 7)[0] as number & 0xc0).toBe(0x40);
  });
});
