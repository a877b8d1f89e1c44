import { type Contender, contender } from './contender.js';
import {
  type DriveRecord,
  FDC_FIFO_SIZE,
  type FdcRecord,
  NUM_DRIVES,
  UART_FIFO_SIZE,
  type UartRecord,
} from './samples.js';
import { FDC_WIRE_BYTES, UART_WIRE_BYTES } from './vmstate.js';

/**
 * The ceiling: QEMU's layout written and read by straight-line code over a DataView, the way one
 * would hand-write a codec for exactly these records. It checks what it must to stay correct on
 * its own bytes (the subsection headers, the `equal` byte, the length) and nothing else: no value
 * ranges on save, no located errors. Decoded state is fresh (byte FIFOs are copies, as vmstate's).
 */

/**
 * Local copies: under tsx an imported binding is a property read on the module object, and in a
 * loop condition that made these loops five times slower.
 */
const FIFO = FDC_FIFO_SIZE;
const UART_FIFO = UART_FIFO_SIZE;
const MEDIA_RATE = 'fdrive/media_rate';
const SUBSECTION_HEADER = Uint8Array.from([
  0x05,
  MEDIA_RATE.length,
  ...[...MEDIA_RATE].map((c) => c.charCodeAt(0)),
  0,
  0,
  0,
  1,
]);

function writeHeader(out: Uint8Array, at: number): number {
  out.set(SUBSECTION_HEADER, at);
  return at + SUBSECTION_HEADER.length;
}

function checkHeader(b: Uint8Array, at: number): number {
  for (let i = 0; i < SUBSECTION_HEADER.length; i++) {
    if (b[at + i] !== SUBSECTION_HEADER[i]) throw new Error(`bad subsection header at ${at + i}`);
  }
  return at + SUBSECTION_HEADER.length;
}

function encodeUart(r: UartRecord): Uint8Array {
  const out = new Uint8Array(UART_WIRE_BYTES);
  const v = new DataView(out.buffer);
  v.setUint16(0, r.divider);
  out[2] = r.rbr;
  out[3] = r.ier;
  out[4] = r.iir;
  out[5] = r.lcr;
  out[6] = r.mcr;
  out[7] = r.lsr;
  out[8] = r.msr;
  out[9] = r.scr;
  out[10] = r.fcr;
  v.setUint16(11, r.fifo_len);
  const fifo = r.fifo;
  for (let i = 0; i < UART_FIFO; i++) out[13 + i] = fifo[i] as number;
  return out;
}

function decodeUart(b: Uint8Array): UartRecord {
  if (b.length !== UART_WIRE_BYTES) throw new Error('bad length');
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const fifo = new Array<number>(UART_FIFO);
  for (let i = 0; i < UART_FIFO; i++) fifo[i] = b[13 + i] as number;
  return {
    divider: v.getUint16(0),
    rbr: b[2] as number,
    ier: b[3] as number,
    iir: b[4] as number,
    lcr: b[5] as number,
    mcr: b[6] as number,
    lsr: b[7] as number,
    msr: b[8] as number,
    scr: b[9] as number,
    fcr: b[10] as number,
    fifo_len: v.getUint16(11),
    fifo,
  };
}

type FdcState<F> = Omit<FdcRecord, 'fifo'> & { fifo: F };

// Each layout gets its own functions, as hand-written code would: one shared generic function
// would see two record shapes and run polymorphic.
function encodeFdcArray(r: FdcState<number[]>): Uint8Array {
  const out = new Uint8Array(FDC_WIRE_BYTES);
  const v = new DataView(out.buffer);
  out[0] = r.sra;
  out[1] = r.srb;
  out[2] = r.dor_vmstate;
  out[3] = r.tdr;
  out[4] = r.dsr;
  out[5] = r.msr;
  out[6] = r.status0;
  out[7] = r.status1;
  out[8] = r.status2;
  const fifo = r.fifo;
  for (let i = 0; i < FIFO; i++) out[9 + i] = fifo[i] as number;
  let at = 9 + FDC_FIFO_SIZE;
  v.setUint32(at, r.data_pos);
  v.setUint32(at + 4, r.data_len);
  at += 8;
  out[at++] = r.data_state;
  out[at++] = r.data_dir;
  out[at++] = r.eot;
  out[at++] = r.timer0;
  out[at++] = r.timer1;
  out[at++] = r.precomp_trk;
  out[at++] = r.config;
  out[at++] = r.lock;
  out[at++] = r.pwrd;
  out[at++] = r.num_floppies;
  for (let d = 0; d < NUM_DRIVES; d++) {
    const drive = r.drives[d] as DriveRecord;
    out[at++] = drive.head;
    out[at++] = drive.track;
    out[at++] = drive.sect;
    at = writeHeader(out, at);
    out[at++] = drive.media_rate;
  }
  return out;
}

function encodeFdcBytes(r: FdcState<Uint8Array>): Uint8Array {
  const out = new Uint8Array(FDC_WIRE_BYTES);
  const v = new DataView(out.buffer);
  out[0] = r.sra;
  out[1] = r.srb;
  out[2] = r.dor_vmstate;
  out[3] = r.tdr;
  out[4] = r.dsr;
  out[5] = r.msr;
  out[6] = r.status0;
  out[7] = r.status1;
  out[8] = r.status2;
  const fifo = r.fifo;
  out.set(fifo, 9);
  let at = 9 + FDC_FIFO_SIZE;
  v.setUint32(at, r.data_pos);
  v.setUint32(at + 4, r.data_len);
  at += 8;
  out[at++] = r.data_state;
  out[at++] = r.data_dir;
  out[at++] = r.eot;
  out[at++] = r.timer0;
  out[at++] = r.timer1;
  out[at++] = r.precomp_trk;
  out[at++] = r.config;
  out[at++] = r.lock;
  out[at++] = r.pwrd;
  out[at++] = r.num_floppies;
  for (let d = 0; d < NUM_DRIVES; d++) {
    const drive = r.drives[d] as DriveRecord;
    out[at++] = drive.head;
    out[at++] = drive.track;
    out[at++] = drive.sect;
    at = writeHeader(out, at);
    out[at++] = drive.media_rate;
  }
  return out;
}

function decodeFdcArray(b: Uint8Array): FdcState<number[]> {
  if (b.length !== FDC_WIRE_BYTES) throw new Error('bad length');
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let at = 9 + FDC_FIFO_SIZE;
  const dataPos = v.getUint32(at);
  const dataLen = v.getUint32(at + 4);
  at += 8;
  const tail = at;
  if (b[tail + 9] !== NUM_DRIVES) throw new Error('num_floppies differs from the receiver');
  at = tail + 10;
  const drives: DriveRecord[] = new Array(NUM_DRIVES);
  for (let d = 0; d < NUM_DRIVES; d++) {
    const head = b[at] as number;
    const track = b[at + 1] as number;
    const sect = b[at + 2] as number;
    at = checkHeader(b, at + 3);
    drives[d] = { head, track, sect, media_rate: b[at++] as number };
  }
  return {
    sra: b[0] as number,
    srb: b[1] as number,
    dor_vmstate: b[2] as number,
    tdr: b[3] as number,
    dsr: b[4] as number,
    msr: b[5] as number,
    status0: b[6] as number,
    status1: b[7] as number,
    status2: b[8] as number,
    fifo: fifoArray(b, 9),
    data_pos: dataPos,
    data_len: dataLen,
    data_state: b[tail] as number,
    data_dir: b[tail + 1] as number,
    eot: b[tail + 2] as number,
    timer0: b[tail + 3] as number,
    timer1: b[tail + 4] as number,
    precomp_trk: b[tail + 5] as number,
    config: b[tail + 6] as number,
    lock: b[tail + 7] as number,
    pwrd: b[tail + 8] as number,
    num_floppies: NUM_DRIVES,
    drives,
  };
}

function decodeFdcBytes(b: Uint8Array): FdcState<Uint8Array> {
  if (b.length !== FDC_WIRE_BYTES) throw new Error('bad length');
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let at = 9 + FDC_FIFO_SIZE;
  const dataPos = v.getUint32(at);
  const dataLen = v.getUint32(at + 4);
  at += 8;
  const tail = at;
  if (b[tail + 9] !== NUM_DRIVES) throw new Error('num_floppies differs from the receiver');
  at = tail + 10;
  const drives: DriveRecord[] = new Array(NUM_DRIVES);
  for (let d = 0; d < NUM_DRIVES; d++) {
    const head = b[at] as number;
    const track = b[at + 1] as number;
    const sect = b[at + 2] as number;
    at = checkHeader(b, at + 3);
    drives[d] = { head, track, sect, media_rate: b[at++] as number };
  }
  return {
    sra: b[0] as number,
    srb: b[1] as number,
    dor_vmstate: b[2] as number,
    tdr: b[3] as number,
    dsr: b[4] as number,
    msr: b[5] as number,
    status0: b[6] as number,
    status1: b[7] as number,
    status2: b[8] as number,
    fifo: b.slice(9, 9 + FDC_FIFO_SIZE),
    data_pos: dataPos,
    data_len: dataLen,
    data_state: b[tail] as number,
    data_dir: b[tail + 1] as number,
    eot: b[tail + 2] as number,
    timer0: b[tail + 3] as number,
    timer1: b[tail + 4] as number,
    precomp_trk: b[tail + 5] as number,
    config: b[tail + 6] as number,
    lock: b[tail + 7] as number,
    pwrd: b[tail + 8] as number,
    num_floppies: NUM_DRIVES,
    drives,
  };
}

function fifoArray(b: Uint8Array, at: number): number[] {
  const out = new Array<number>(FIFO);
  for (let i = 0; i < FIFO; i++) out[i] = b[at + i] as number;
  return out;
}

const copyDrives = (r: FdcRecord) => r.drives.map((d) => ({ ...d }));

export function dataviewUart(records: readonly UartRecord[]): Contender {
  return contender({
    name: 'dataview',
    inputs: records.map((r) => ({ ...r, fifo: [...r.fifo] })),
    encode: encodeUart,
    decode: decodeUart,
  });
}

export function dataviewFdcArray(records: readonly FdcRecord[]): Contender {
  return contender({
    name: 'dataview',
    inputs: records.map((r) => ({ ...r, fifo: [...r.fifo], drives: copyDrives(r) })),
    encode: encodeFdcArray,
    decode: decodeFdcArray,
  });
}

export function dataviewFdcBytes(records: readonly FdcRecord[]): Contender {
  return contender({
    name: 'dataview',
    inputs: records.map((r) => ({ ...r, fifo: Uint8Array.from(r.fifo), drives: copyDrives(r) })),
    encode: encodeFdcBytes,
    decode: decodeFdcBytes,
  });
}
