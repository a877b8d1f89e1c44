import {
  decodeFullSection,
  encodeFullSection,
  type MigrationContext,
  type SectionIdentity,
  type Vmsd,
} from '../index.js';
import { BASE } from './constants.js';
import { Fdc, type FdcHost } from './controller.js';
import type { FdcSectionState } from './description.js';
import { DiskImage } from './disk.js';
import { type DmaState, dmaChannel, guestRam, powerOnDma, RAM_SIZE, writeDmaPort } from './dma.js';
import { IO_NS, type Runtime } from './runtime.js';

const FDC_ID: SectionIdentity = { sectionId: 22, idstr: 'fdc', instanceId: 0 };
const DMA_ID: SectionIdentity = { sectionId: 12, idstr: 'i8237-ch2', instanceId: 0 };
const RAM_ID: SectionIdentity = { sectionId: 2, idstr: 'ram', instanceId: 0 };

/** What travels from source to destination: one FULL section per device, as bytes. */
export interface Transfer {
  readonly fdc: Uint8Array;
  readonly dma: Uint8Array;
  readonly ram: Uint8Array;
}

/** Devices as the destination loaded them. */
export interface LoadedDevices {
  readonly runtime: Runtime;
  readonly fdc: FdcSectionState;
  readonly dma: DmaState;
  readonly ram: Uint8Array;
}

/**
 * A tiny PC around the controller: a virtual clock in ns, an IRQ line with a log of its rising
 * edges, DMA channel 2, 16 KiB of RAM and two 1.44 MB drives. Nothing depends on the host's
 * time: the guest (a driver) advances the clock with every port access and every pause.
 */
export class Machine implements FdcHost {
  now = 0;
  irqLevel = false;
  /** Rising IRQ edges, each tagged with what the guest said it was doing (`tag`). */
  irqLog: string[] = [];
  tag = '';
  dma: DmaState;
  ram: Uint8Array;
  disks: DiskImage[];
  fdc: Fdc;

  constructor(
    public runtime: Runtime,
    readonly seed: number,
    from?: Machine,
  ) {
    if (from) {
      this.now = from.now;
      this.irqLevel = from.irqLevel;
      this.irqLog = [...from.irqLog];
      this.tag = from.tag;
      this.dma = { ...from.dma };
      this.ram = from.ram.slice();
      this.disks = from.disks.map((d) => d.clone());
      this.fdc = new Fdc(runtime, this, structuredClone(from.fdc.section));
    } else {
      this.dma = powerOnDma();
      this.ram = new Uint8Array(RAM_SIZE);
      this.disks = [new DiskImage(seed, 0), new DiskImage(seed, 1)];
      this.fdc = new Fdc(runtime, this);
    }
  }

  clone(): Machine {
    return new Machine(this.runtime, this.seed, this);
  }

  setIrq(level: boolean): void {
    if (level && !this.irqLevel) this.irqLog.push(this.tag);
    this.irqLevel = level;
  }

  inb(port: number): number {
    const value = port >= BASE && port <= BASE + 7 ? this.fdc.read(port) : 0xff;
    this.advance(IO_NS);
    return value;
  }

  outb(port: number, value: number): void {
    if (port >= BASE && port <= BASE + 7) this.fdc.write(port, value);
    else writeDmaPort(this.dma, port, value);
    this.advance(IO_NS);
  }

  /** Lets `ns` of virtual time pass, firing the controller's timer at its deadline. */
  advance(ns: number): void {
    const target = this.now + ns;
    for (;;) {
      const deadline = this.fdc.deadline;
      if (deadline === undefined || deadline > target) break;
      this.now = Math.max(this.now, deadline);
      this.fdc.fire();
    }
    this.now = target;
  }

  /** HLT: sleep until the next controller event, or `max` ns if none comes sooner. */
  halt(max: number): void {
    const deadline = this.fdc.deadline;
    this.advance(
      deadline !== undefined && deadline - this.now <= max ? Math.max(0, deadline - this.now) : max,
    );
  }

  /** Saves the devices with the source release's description of the controller. */
  save(fdcSection: Vmsd, ctx: MigrationContext): Transfer {
    return {
      fdc: encodeFullSection(fdcSection, this.fdc.section as never, FDC_ID, { ctx }),
      dma: encodeFullSection(dmaChannel, this.dma, DMA_ID, { ctx }),
      ram: encodeFullSection(guestRam, { bytes: this.ram }, RAM_ID, { ctx }),
    };
  }

  /**
   * The destination's devices: created fresh for the destination's release, then loaded from
   * the transferred bytes. A refused load throws its MigrationError.
   */
  load(runtime: Runtime, fdcSection: Vmsd, ctx: MigrationContext, bytes: Transfer): LoadedDevices {
    const fresh = new Fdc(runtime, this);
    const fdc = decodeFullSection(fdcSection, bytes.fdc, { ctx, into: fresh.section as never }).state;
    const dma = decodeFullSection(dmaChannel, bytes.dma, { ctx, into: powerOnDma() }).state;
    const ram = decodeFullSection(guestRam, bytes.ram, { ctx }).state.bytes;
    return { runtime, fdc: fdc as FdcSectionState, dma, ram };
  }

  /**
   * Turns this machine into the destination: the loaded devices replace the source's, and the
   * guest (CPU, clock, interrupt controller, disks on shared storage) carries on.
   */
  install(devices: LoadedDevices): void {
    this.runtime = devices.runtime;
    this.fdc = new Fdc(devices.runtime, this, structuredClone(devices.fdc));
    this.dma = { ...devices.dma };
    this.ram = devices.ram.slice();
  }
}
