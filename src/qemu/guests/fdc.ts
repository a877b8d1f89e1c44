/** The floppy controller (and the 8237 DMA it uses) stopped between phases of a command. */
import { Asm, program } from './asm.js';
import { markerGuest } from './guest.js';

const MSR = 0x3f4;
const FIFO = 0x3f5;
/** Waits for RQM set, DIO clear: the controller wants a command byte. */
const wantsByte = (a: Asm): Asm => a.waitFor(MSR, 0xc0, 0x80);

/** VERSION (0x10): one result byte (0x90) is left in the FIFO, unread — the result phase. */
export const fdcResultGuest = markerGuest({
  name: 'fdc-result',
  title: 'FDC in the result phase (VERSION answered, 0x90 unread)',
  reaches: 'fdc: msr 0xd0 (RQM|DIO|BUSY), data_len 1, data_pos 0, fifo[0] 0x90 — the result phase',
  code: program((a) => {
    wantsByte(a).outDx(FIFO, 0x10);
  }),
  expect: [
    { section: 'fdc', field: 'state.msr', value: '0xd0' },
    { section: 'fdc', field: 'state.data_len', value: '0x00000001' },
    { section: 'fdc', field: 'state.fifo.0', value: '0x90' },
  ],
});

/** SPECIFY (0x03) with none of its two parameter bytes: the controller waits mid-command. */
export const fdcCommandGuest = markerGuest({
  name: 'fdc-command',
  title: 'FDC mid-command (SPECIFY, 1 of 3 bytes)',
  reaches: 'fdc: msr 0x90 (RQM|BUSY), data_pos 1, data_len 3, fifo[0] 0x03 — the command phase',
  code: program((a) => {
    wantsByte(a).outDx(FIFO, 0x03);
  }),
  expect: [
    { section: 'fdc', field: 'state.msr', value: '0x90' },
    { section: 'fdc', field: 'state.data_pos', value: '0x00000001' },
    { section: 'fdc', field: 'state.data_len', value: '0x00000003' },
  ],
});

/**
 * The first 8237 programmed for a floppy transfer on channel 2 (address 0x21000, 512 bytes,
 * write-to-memory, single mode) and unmasked, then one more address byte written so the byte
 * flip-flop is left mid-word: what a driver interrupted between two port writes leaves.
 */
export const dmaGuest = markerGuest({
  name: 'dma-programmed',
  title: '8237 channel 2 programmed, flip-flop mid-word',
  reaches: 'dma (first controller): flip_flop 1, regs[2] mode 0x46, page 0x02, base count 0x01ff',
  code: new Asm()
    .cli()
    .outImm(0x0a, 0x06) // mask channel 2
    .outImm(0x0c, 0x00) // clear the byte flip-flop
    .outImm(0x04, 0x00) // address low, high
    .outImm(0x04, 0x10)
    .outImm(0x05, 0xff) // count low, high: 0x01ff → 512 bytes
    .outImm(0x05, 0x01)
    .outImm(0x81, 0x02) // page
    .outImm(0x0b, 0x46) // single, write to memory, channel 2
    .outImm(0x0a, 0x02) // unmask channel 2
    .outImm(0x04, 0x55) // half of another address: flip-flop stays set
    .done()
    .bytes(),
  expect: [
    { section: 'dma', instance: 0, field: 'flip_flop', value: '0x01' },
    { section: 'dma', instance: 0, field: 'regs.2.mode', value: '0x46' },
    { section: 'dma', instance: 0, field: 'regs.2.page', value: '0x02' },
    { section: 'dma', instance: 0, field: 'regs.2.base.1', value: '0x01ff' },
  ],
});
