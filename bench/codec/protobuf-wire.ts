import { BinaryReader, BinaryWriter } from '@bufbuild/protobuf/wire';
import { camelCase } from './camel.js';
import { type Contender, contender } from './contender.js';
import type { FdcRecord, UartRecord } from './samples.js';

/**
 * The same Protobuf messages (protobuf-schema.ts) encoded by straight-line code over
 * `@bufbuild/protobuf/wire`, written the way ts-proto generates it: one `if (x !== 0)` and one
 * tagged write per field, a `switch` on the field number when reading. No reflection: this is
 * the fastest Protobuf code in JavaScript we know of, and the strictest baseline here.
 * Tags are `field << 3 | wireType` (0 varint, 2 length-delimited).
 */

interface Uart {
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
  fifoLen: number;
  fifo: number[];
}

interface Drive {
  head: number;
  track: number;
  sect: number;
  mediaRate: number;
}

interface Fdc<F> {
  sra: number;
  srb: number;
  dorVmstate: number;
  tdr: number;
  dsr: number;
  msr: number;
  status0: number;
  status1: number;
  status2: number;
  fifo: F;
  dataPos: number;
  dataLen: number;
  dataState: number;
  dataDir: number;
  eot: number;
  timer0: number;
  timer1: number;
  precompTrk: number;
  config: number;
  lock: number;
  pwrd: number;
  numFloppies: number;
  drives: Drive[];
}

function readPacked(r: BinaryReader, tag: number, into: number[]): void {
  if ((tag & 7) === 2) {
    const end = r.uint32() + r.pos;
    while (r.pos < end) into.push(r.uint32());
  } else into.push(r.uint32());
}

function skip(r: BinaryReader, tag: number): void {
  r.skip(tag & 7, tag >>> 3);
}

export const Uart = {
  encode(m: Uart, w: BinaryWriter = new BinaryWriter()): BinaryWriter {
    if (m.divider !== 0) w.uint32(8).uint32(m.divider);
    if (m.rbr !== 0) w.uint32(16).uint32(m.rbr);
    if (m.ier !== 0) w.uint32(24).uint32(m.ier);
    if (m.iir !== 0) w.uint32(32).uint32(m.iir);
    if (m.lcr !== 0) w.uint32(40).uint32(m.lcr);
    if (m.mcr !== 0) w.uint32(48).uint32(m.mcr);
    if (m.lsr !== 0) w.uint32(56).uint32(m.lsr);
    if (m.msr !== 0) w.uint32(64).uint32(m.msr);
    if (m.scr !== 0) w.uint32(72).uint32(m.scr);
    if (m.fcr !== 0) w.uint32(80).uint32(m.fcr);
    if (m.fifoLen !== 0) w.uint32(88).uint32(m.fifoLen);
    w.uint32(98).fork();
    for (const v of m.fifo) w.uint32(v);
    w.join();
    return w;
  },
  decode(input: Uint8Array): Uart {
    const r = new BinaryReader(input);
    const m: Uart = {
      divider: 0,
      rbr: 0,
      ier: 0,
      iir: 0,
      lcr: 0,
      mcr: 0,
      lsr: 0,
      msr: 0,
      scr: 0,
      fcr: 0,
      fifoLen: 0,
      fifo: [],
    };
    while (r.pos < r.len) {
      const tag = r.uint32();
      switch (tag >>> 3) {
        case 1:
          m.divider = r.uint32();
          continue;
        case 2:
          m.rbr = r.uint32();
          continue;
        case 3:
          m.ier = r.uint32();
          continue;
        case 4:
          m.iir = r.uint32();
          continue;
        case 5:
          m.lcr = r.uint32();
          continue;
        case 6:
          m.mcr = r.uint32();
          continue;
        case 7:
          m.lsr = r.uint32();
          continue;
        case 8:
          m.msr = r.uint32();
          continue;
        case 9:
          m.scr = r.uint32();
          continue;
        case 10:
          m.fcr = r.uint32();
          continue;
        case 11:
          m.fifoLen = r.uint32();
          continue;
        case 12:
          readPacked(r, tag, m.fifo);
          continue;
      }
      skip(r, tag);
    }
    return m;
  },
};

export const Drive = {
  encode(m: Drive, w: BinaryWriter): BinaryWriter {
    if (m.head !== 0) w.uint32(8).uint32(m.head);
    if (m.track !== 0) w.uint32(16).uint32(m.track);
    if (m.sect !== 0) w.uint32(24).uint32(m.sect);
    if (m.mediaRate !== 0) w.uint32(32).uint32(m.mediaRate);
    return w;
  },
  decode(r: BinaryReader, length: number): Drive {
    const end = r.pos + length;
    const m: Drive = { head: 0, track: 0, sect: 0, mediaRate: 0 };
    while (r.pos < end) {
      const tag = r.uint32();
      switch (tag >>> 3) {
        case 1:
          m.head = r.uint32();
          continue;
        case 2:
          m.track = r.uint32();
          continue;
        case 3:
          m.sect = r.uint32();
          continue;
        case 4:
          m.mediaRate = r.uint32();
          continue;
      }
      skip(r, tag);
    }
    return m;
  },
};

/** `Fdc` (packed `repeated uint32 fifo`) and `FdcBytes` (`bytes fifo`) differ only in field 10. */
function fdcCodec<F extends number[] | Uint8Array>(fifoAsBytes: F extends Uint8Array ? true : false) {
  return {
    encode(m: Fdc<F>, w: BinaryWriter = new BinaryWriter()): BinaryWriter {
      if (m.sra !== 0) w.uint32(8).uint32(m.sra);
      if (m.srb !== 0) w.uint32(16).uint32(m.srb);
      if (m.dorVmstate !== 0) w.uint32(24).uint32(m.dorVmstate);
      if (m.tdr !== 0) w.uint32(32).uint32(m.tdr);
      if (m.dsr !== 0) w.uint32(40).uint32(m.dsr);
      if (m.msr !== 0) w.uint32(48).uint32(m.msr);
      if (m.status0 !== 0) w.uint32(56).uint32(m.status0);
      if (m.status1 !== 0) w.uint32(64).uint32(m.status1);
      if (m.status2 !== 0) w.uint32(72).uint32(m.status2);
      if (fifoAsBytes) {
        if (m.fifo.length !== 0) w.uint32(82).bytes(m.fifo as Uint8Array);
      } else {
        w.uint32(82).fork();
        for (const v of m.fifo as number[]) w.uint32(v);
        w.join();
      }
      if (m.dataPos !== 0) w.uint32(88).uint32(m.dataPos);
      if (m.dataLen !== 0) w.uint32(96).uint32(m.dataLen);
      if (m.dataState !== 0) w.uint32(104).uint32(m.dataState);
      if (m.dataDir !== 0) w.uint32(112).uint32(m.dataDir);
      if (m.eot !== 0) w.uint32(120).uint32(m.eot);
      if (m.timer0 !== 0) w.uint32(128).uint32(m.timer0);
      if (m.timer1 !== 0) w.uint32(136).uint32(m.timer1);
      if (m.precompTrk !== 0) w.uint32(144).uint32(m.precompTrk);
      if (m.config !== 0) w.uint32(152).uint32(m.config);
      if (m.lock !== 0) w.uint32(160).uint32(m.lock);
      if (m.pwrd !== 0) w.uint32(168).uint32(m.pwrd);
      if (m.numFloppies !== 0) w.uint32(176).uint32(m.numFloppies);
      for (const d of m.drives) Drive.encode(d, w.uint32(186).fork()).join();
      return w;
    },
    decode(input: Uint8Array): Fdc<F> {
      const r = new BinaryReader(input);
      const m: Fdc<F> = {
        sra: 0,
        srb: 0,
        dorVmstate: 0,
        tdr: 0,
        dsr: 0,
        msr: 0,
        status0: 0,
        status1: 0,
        status2: 0,
        fifo: (fifoAsBytes ? new Uint8Array(0) : []) as F,
        dataPos: 0,
        dataLen: 0,
        dataState: 0,
        dataDir: 0,
        eot: 0,
        timer0: 0,
        timer1: 0,
        precompTrk: 0,
        config: 0,
        lock: 0,
        pwrd: 0,
        numFloppies: 0,
        drives: [],
      };
      while (r.pos < r.len) {
        const tag = r.uint32();
        switch (tag >>> 3) {
          case 1:
            m.sra = r.uint32();
            continue;
          case 2:
            m.srb = r.uint32();
            continue;
          case 3:
            m.dorVmstate = r.uint32();
            continue;
          case 4:
            m.tdr = r.uint32();
            continue;
          case 5:
            m.dsr = r.uint32();
            continue;
          case 6:
            m.msr = r.uint32();
            continue;
          case 7:
            m.status0 = r.uint32();
            continue;
          case 8:
            m.status1 = r.uint32();
            continue;
          case 9:
            m.status2 = r.uint32();
            continue;
          case 10:
            if (fifoAsBytes) m.fifo = r.bytes() as F;
            else readPacked(r, tag, m.fifo as number[]);
            continue;
          case 11:
            m.dataPos = r.uint32();
            continue;
          case 12:
            m.dataLen = r.uint32();
            continue;
          case 13:
            m.dataState = r.uint32();
            continue;
          case 14:
            m.dataDir = r.uint32();
            continue;
          case 15:
            m.eot = r.uint32();
            continue;
          case 16:
            m.timer0 = r.uint32();
            continue;
          case 17:
            m.timer1 = r.uint32();
            continue;
          case 18:
            m.precompTrk = r.uint32();
            continue;
          case 19:
            m.config = r.uint32();
            continue;
          case 20:
            m.lock = r.uint32();
            continue;
          case 21:
            m.pwrd = r.uint32();
            continue;
          case 22:
            m.numFloppies = r.uint32();
            continue;
          case 23:
            m.drives.push(Drive.decode(r, r.uint32()));
            continue;
        }
        skip(r, tag);
      }
      return m;
    },
  };
}

const FdcArray = fdcCodec<number[]>(false);
const FdcBytes = fdcCodec<Uint8Array>(true);

export function protobufWireUart(records: readonly UartRecord[]): Contender {
  return contender({
    name: 'protobuf-wire',
    inputs: records.map((r) => camelCase(r) as Uart),
    encode: (m) => Uart.encode(m).finish(),
    decode: (b) => Uart.decode(b),
  });
}

export function protobufWireFdcArray(records: readonly FdcRecord[]): Contender {
  return contender({
    name: 'protobuf-wire',
    inputs: records.map((r) => camelCase(r) as Fdc<number[]>),
    encode: (m) => FdcArray.encode(m).finish(),
    decode: (b) => FdcArray.decode(b),
  });
}

export function protobufWireFdcBytes(records: readonly FdcRecord[]): Contender {
  return contender({
    name: 'protobuf-wire',
    inputs: records.map((r) => camelCase({ ...r, fifo: Uint8Array.from(r.fifo) }) as Fdc<Uint8Array>),
    encode: (m) => FdcBytes.encode(m).finish(),
    decode: (b) => FdcBytes.decode(b),
  });
}
