import {
  array,
  buffer,
  equal,
  field,
  type Infer,
  load,
  save,
  struct,
  uint8,
  uint16,
  uint32,
  varray,
  vmsd,
} from '../../src/index.js';
import { type Contender, contender } from './contender.js';
import { FDC_FIFO_SIZE, type FdcRecord, NUM_DRIVES, UART_FIFO_SIZE, type UartRecord } from './samples.js';

/** The UART as a library user would describe it (cf. examples/uart.ts). */
export const uartVmsd = vmsd('bench-uart', {
  version: 1,
  minimumVersion: 1,
  fields: [
    field('divider', uint16),
    field('rbr', uint8),
    field('ier', uint8),
    field('iir', uint8),
    field('lcr', uint8),
    field('mcr', uint8),
    field('lsr', uint8),
    field('msr', uint8),
    field('scr', uint8),
    field('fcr', uint8),
    field('fifo_len', uint16),
    field('fifo', array(uint8, UART_FIFO_SIZE)),
  ],
});

/** QEMU's `fdrive`, reduced to position plus the always-sent `fdrive/media_rate` subsection. */
const fdriveVmsd = vmsd('fdrive', {
  version: 1,
  minimumVersion: 1,
  fields: [field('head', uint8), field('track', uint8), field('sect', uint8)],
  subsections: (sub) => [
    sub('fdrive/media_rate', { version: 1, minimumVersion: 1, fields: [field('media_rate', uint8)] }),
  ],
});

/** QEMU's `fdc` controller body: the registers before the FIFO… */
const fdcRegisters = [
  field('sra', uint8),
  field('srb', uint8),
  field('dor_vmstate', uint8),
  field('tdr', uint8),
  field('dsr', uint8),
  field('msr', uint8),
  field('status0', uint8),
  field('status1', uint8),
  field('status2', uint8),
] as const;

/** …and everything after it. */
const fdcTransfer = [
  field('data_pos', uint32),
  field('data_len', uint32),
  field('data_state', uint8),
  field('data_dir', uint8),
  field('eot', uint8),
  field('timer0', uint8),
  field('timer1', uint8),
  field('precomp_trk', uint8),
  field('config', uint8),
  field('lock', uint8),
  field('pwrd', uint8),
  field('num_floppies', equal(uint8), { default: NUM_DRIVES }),
  field('drives', array(struct(fdriveVmsd), NUM_DRIVES)),
] as const;

/**
 * The FIFO as QEMU describes it (`VMSTATE_VARRAY_INT32` of uint8 counted by the receiver's
 * fifo_size): a `varray`, so the state holds a `number[]`.
 */
export const fdcVmsdArray = vmsd('fdc', {
  version: 2,
  minimumVersion: 2,
  fields: [
    ...fdcRegisters,
    field('fifo', varray(uint8, { count: () => FDC_FIFO_SIZE, max: FDC_FIFO_SIZE })),
    ...fdcTransfer,
  ],
});

/** The same 512 wire bytes described as a `buffer`, so the state holds a `Uint8Array`. */
export const fdcVmsdBuffer = vmsd('fdc', {
  version: 2,
  minimumVersion: 2,
  fields: [...fdcRegisters, field('fifo', buffer(FDC_FIFO_SIZE)), ...fdcTransfer],
});

/** Wire size QEMU gives these bodies, computed by hand from the layouts above. */
export const UART_WIRE_BYTES = 2 + 9 + 2 + UART_FIFO_SIZE;
const SUBSECTION_BYTES = 1 + 1 + 'fdrive/media_rate'.length + 4 + 1;
export const FDC_WIRE_BYTES = 9 + FDC_FIFO_SIZE + 4 + 4 + 9 + 1 + NUM_DRIVES * (3 + SUBSECTION_BYTES);

export function vmstateUart(records: readonly UartRecord[]): Contender {
  const inputs: Infer<typeof uartVmsd>[] = records.map((r) => ({ ...r, fifo: [...r.fifo] }));
  return contender({
    name: 'vmstate',
    inputs,
    encode: (s) => save(uartVmsd, s),
    decode: (b) => load(uartVmsd, b),
  });
}

export function vmstateFdcArray(records: readonly FdcRecord[]): Contender {
  const inputs: Infer<typeof fdcVmsdArray>[] = records.map((r) => ({
    ...r,
    fifo: [...r.fifo],
    drives: r.drives.map((d) => ({ ...d })),
  }));
  return contender({
    name: 'vmstate',
    inputs,
    encode: (s) => save(fdcVmsdArray, s),
    decode: (b) => load(fdcVmsdArray, b),
  });
}

export function vmstateFdcBuffer(records: readonly FdcRecord[]): Contender {
  const inputs: Infer<typeof fdcVmsdBuffer>[] = records.map((r) => ({
    ...r,
    fifo: Uint8Array.from(r.fifo),
    drives: r.drives.map((d) => ({ ...d })),
  }));
  return contender({
    name: 'vmstate',
    inputs,
    encode: (s) => save(fdcVmsdBuffer, s),
    decode: (b) => load(fdcVmsdBuffer, b),
  });
}
