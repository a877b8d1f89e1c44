import { buffer, field, type Infer, uint8, uint16, vmsd } from '../index.js';

/**
 * The rest of the machine the controller needs: channel 2 of an i8237 DMA controller (the
 * floppy's) and the guest RAM it moves sectors to and from. Both are the same in every release
 * of the floppy model, so they travel with one fixed description each.
 */

export const DmaPort = {
  ADDR2: 0x04,
  COUNT2: 0x05,
  MASK: 0x0a,
  MODE: 0x0b,
  FLIPFLOP: 0x0c,
  PAGE2: 0x81,
} as const;
/** Mode register transfer types (bits 2–3): write to memory (device reads) / read from memory. */
export const DmaMode = { WRITE_MEMORY: 0x04, READ_MEMORY: 0x08, TYPE_MASK: 0x0c } as const;

export const RAM_SIZE = 16 * 1024;

export const dmaChannel = vmsd('i8237-ch2', {
  version: 1,
  minimumVersion: 1,
  fields: [
    field('addr', uint16),
    field('page', uint8),
    field('count', uint16),
    field('mode', uint8),
    field('masked', uint8, { default: 1 }),
    field('flipflop', uint8),
    field('tc', uint8),
  ],
});
export type DmaState = Infer<typeof dmaChannel>;

export const guestRam = vmsd('ram', {
  version: 1,
  minimumVersion: 1,
  fields: [field('bytes', buffer(RAM_SIZE))],
});

export function powerOnDma(): DmaState {
  return { addr: 0, page: 0, count: 0, mode: 0, masked: 1, flipflop: 0, tc: 0 };
}

/** A port write to the DMA controller (channel 2 only; other channels are not wired). */
export function writeDmaPort(d: DmaState, port: number, value: number): void {
  const v = value & 0xff;
  switch (port) {
    case DmaPort.ADDR2:
      d.addr = d.flipflop ? (d.addr & 0xff) | (v << 8) : (d.addr & 0xff00) | v;
      d.flipflop ^= 1;
      break;
    case DmaPort.COUNT2:
      d.count = d.flipflop ? (d.count & 0xff) | (v << 8) : (d.count & 0xff00) | v;
      d.flipflop ^= 1;
      d.tc = 0;
      break;
    case DmaPort.MASK:
      if ((v & 0x03) === 2) d.masked = (v >> 2) & 1;
      break;
    case DmaPort.MODE:
      if ((v & 0x03) === 2) d.mode = v;
      break;
    case DmaPort.FLIPFLOP:
      d.flipflop = 0;
      break;
    case DmaPort.PAGE2:
      d.page = v;
      break;
  }
}

/** Bytes the channel will still move in this direction (0 when masked, done, or set the other way). */
export function dmaAvailable(d: DmaState, type: number): number {
  if (d.masked || d.tc || (d.mode & DmaMode.TYPE_MASK) !== type) return 0;
  return d.count + 1;
}

/** Moves `n` bytes between the device and RAM; `device` is the device-side buffer. */
export function dmaMove(
  d: DmaState,
  ram: Uint8Array,
  device: Uint8Array,
  deviceOffset: number,
  n: number,
): void {
  const toMemory = (d.mode & DmaMode.TYPE_MASK) === DmaMode.WRITE_MEMORY;
  for (let i = 0; i < n; i++) {
    const at = ((d.page << 16) | ((d.addr + i) & 0xffff)) % RAM_SIZE;
    if (toMemory) ram[at] = device[deviceOffset + i] as number;
    else device[deviceOffset + i] = ram[at] as number;
  }
  d.addr = (d.addr + n) & 0xffff;
  const left = d.count - n;
  if (left < 0) {
    d.count = 0xffff;
    d.tc = 1;
  } else d.count = left;
}
