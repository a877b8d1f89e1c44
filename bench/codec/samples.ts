/**
 * The records every contender encodes, as plain data independent of any codec. Each contender
 * converts these into its own input representation once, before timing.
 */

/** A 16550-style UART: ten 8/16-bit registers and a 16-byte receive FIFO. */
export interface UartRecord {
  divider: number;
  rbr: number;
  ier: number;
  iir: number;
  lcr: number;
  mcr: number;
  lsr: number;
  msr: number;
  scr: number;
  fcr: number;
  fifo_len: number;
  fifo: number[];
}

/** One floppy drive: position, and one u8 that QEMU sends in a subsection (`fdrive/media_rate`). */
export interface DriveRecord {
  head: number;
  track: number;
  sect: number;
  media_rate: number;
}

/** QEMU's floppy controller (`fdc`, hw/block/fdc.c) in the order it is migrated. */
export interface FdcRecord {
  sra: number;
  srb: number;
  dor_vmstate: number;
  tdr: number;
  dsr: number;
  msr: number;
  status0: number;
  status1: number;
  status2: number;
  fifo: number[];
  data_pos: number;
  data_len: number;
  data_state: number;
  data_dir: number;
  eot: number;
  timer0: number;
  timer1: number;
  precomp_trk: number;
  config: number;
  lock: number;
  pwrd: number;
  num_floppies: number;
  drives: DriveRecord[];
}

export const FDC_FIFO_SIZE = 512;
export const UART_FIFO_SIZE = 16;
/** `num_floppies` is an `equal` field: the receiver has 2 drives, so every sender must say 2. */
export const NUM_DRIVES = 2;

/** A small deterministic PRNG (mulberry32), so every run encodes the same records. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function byteFrom(rand: () => number): number {
  return Math.floor(rand() * 256);
}

/** UARTs in plausible states: 9600–115200 baud, 8N1, a partly filled FIFO of text. */
export function uartRecords(count: number, seed = 1): UartRecord[] {
  const rand = prng(seed);
  const text = 'login: root\r\nPassword: \r\n# uname -a\r\nLinux guest 6.1.0 x86_64\r\n';
  return Array.from({ length: count }, (_, k) => {
    const fill = Math.floor(rand() * (UART_FIFO_SIZE + 1));
    const fifo = Array.from({ length: UART_FIFO_SIZE }, (_, i) =>
      i < fill ? text.charCodeAt((k * 7 + i) % text.length) : 0,
    );
    return {
      divider: [1, 2, 3, 6, 12][k % 5] as number,
      rbr: fifo[0] as number,
      ier: 0x05,
      iir: fill > 0 ? 0xc4 : 0xc1,
      lcr: 0x03,
      mcr: 0x0b,
      lsr: fill > 0 ? 0x61 : 0x60,
      msr: 0xb0,
      scr: byteFrom(rand),
      fcr: 0xc7,
      fifo_len: fill,
      fifo,
    };
  });
}

/** Floppy controllers mid-transfer: a sector of random data in the FIFO, drives at random places. */
export function fdcRecords(count: number, seed = 2): FdcRecord[] {
  const rand = prng(seed);
  return Array.from({ length: count }, () => ({
    sra: 0x80 | Math.floor(rand() * 8),
    srb: 0xc0,
    dor_vmstate: 0x0c | Math.floor(rand() * 2),
    tdr: 0,
    dsr: 0x02,
    msr: 0x80 | (rand() < 0.5 ? 0x40 : 0) | 0x10,
    status0: byteFrom(rand),
    status1: byteFrom(rand),
    status2: byteFrom(rand),
    fifo: Array.from({ length: FDC_FIFO_SIZE }, () => byteFrom(rand)),
    data_pos: Math.floor(rand() * FDC_FIFO_SIZE),
    data_len: FDC_FIFO_SIZE,
    data_state: byteFrom(rand) & 0x0f,
    data_dir: rand() < 0.5 ? 1 : 2,
    eot: 18,
    timer0: byteFrom(rand),
    timer1: byteFrom(rand),
    precomp_trk: 0,
    config: 0x20,
    lock: 0,
    pwrd: 0,
    num_floppies: NUM_DRIVES,
    drives: Array.from({ length: NUM_DRIVES }, () => ({
      head: rand() < 0.5 ? 0 : 1,
      track: Math.floor(rand() * 80),
      sect: 1 + Math.floor(rand() * 18),
      media_rate: Math.floor(rand() * 4),
    })),
  }));
}
