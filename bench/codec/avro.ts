import avro from 'avsc';
import { type Contender, contender } from './contender.js';
import { FDC_FIFO_SIZE, type FdcRecord, type UartRecord } from './samples.js';

/**
 * avsc contenders. `Type.forSchema` compiles each record type into generated JavaScript (avsc's
 * fast path), so this is avsc at its best. Integer widths map to the narrowest Avro type that
 * holds them: u8/u16 → `int`, u32 → `long` (Avro's `int` is signed 32-bit). Avro writes varints,
 * so its sizes depend on the values.
 */

const int = 'int' as const;

const uartType = avro.Type.forSchema({
  type: 'record',
  name: 'Uart',
  fields: [
    ...['divider', 'rbr', 'ier', 'iir', 'lcr', 'mcr', 'lsr', 'msr', 'scr', 'fcr', 'fifo_len'].map((name) => ({
      name,
      type: int,
    })),
    { name: 'fifo', type: { type: 'array', items: int } },
  ],
});

const driveSchema = {
  type: 'record',
  name: 'Drive',
  fields: ['head', 'track', 'sect', 'media_rate'].map((name) => ({ name, type: int })),
} as const;

/** The fdc record, with the FIFO as an `array<int>` (matches `number[]`) or a `fixed` (a Buffer). */
function fdcType(fifoAsFixed: boolean) {
  const fifo = fifoAsFixed
    ? { type: 'fixed', name: 'Fifo', size: FDC_FIFO_SIZE }
    : { type: 'array', items: int };
  const u8 = (names: string[]) => names.map((name) => ({ name, type: int }));
  return avro.Type.forSchema({
    type: 'record',
    name: 'Fdc',
    fields: [
      ...u8(['sra', 'srb', 'dor_vmstate', 'tdr', 'dsr', 'msr', 'status0', 'status1', 'status2']),
      { name: 'fifo', type: fifo as avro.Schema },
      { name: 'data_pos', type: 'long' },
      { name: 'data_len', type: 'long' },
      ...u8(['data_state', 'data_dir', 'eot', 'timer0', 'timer1', 'precomp_trk', 'config', 'lock', 'pwrd']),
      { name: 'num_floppies', type: int },
      { name: 'drives', type: { type: 'array', items: driveSchema as unknown as avro.Schema } },
    ],
  });
}

const fdcArrayType = fdcType(false);
const fdcFixedType = fdcType(true);

/** avsc reads from Node Buffers; a Uint8Array over the same memory is viewed, not copied. */
function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

export function avscUart(records: readonly UartRecord[]): Contender {
  return contender({
    name: 'avsc',
    inputs: records.map((r) => ({ ...r, fifo: [...r.fifo] })),
    encode: (s) => uartType.toBuffer(s),
    decode: (b) => uartType.fromBuffer(asBuffer(b)),
  });
}

export function avscFdcArray(records: readonly FdcRecord[]): Contender {
  return contender({
    name: 'avsc',
    inputs: records.map((r) => ({ ...r, fifo: [...r.fifo], drives: r.drives.map((d) => ({ ...d })) })),
    encode: (s) => fdcArrayType.toBuffer(s),
    decode: (b) => fdcArrayType.fromBuffer(asBuffer(b)),
  });
}

export function avscFdcFixed(records: readonly FdcRecord[]): Contender {
  return contender({
    name: 'avsc',
    inputs: records.map((r) => ({
      ...r,
      fifo: Buffer.from(r.fifo),
      drives: r.drives.map((d) => ({ ...d })),
    })),
    encode: (s) => fdcFixedType.toBuffer(s),
    decode: (b) => fdcFixedType.fromBuffer(asBuffer(b)),
  });
}
