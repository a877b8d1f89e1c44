/** A 16550 UART (isa-serial on COM1) with its FIFO on and looped back. */
import { Asm } from './asm.js';
import { markerGuest } from './guest.js';

const COM1 = 0x3f8;

/**
 * 115200 8N1, FIFO enabled (trigger 14), loopback mode (MCR 0x1b), then three bytes written:
 * in loopback they land in the receive FIFO, which is never read.
 */
export const uartGuest = markerGuest({
  name: 'uart-loopback',
  title: '16550 FIFO + loopback, 3 bytes waiting in the RX FIFO',
  reaches:
    'serial: lcr 0x03, mcr 0x1b (loopback), fcr 0xc1 (FIFO on), lsr data ready; subsection serial/recv_fifo with num 3 ("ABC")',
  devices: ['-chardev', 'null,id=vmstate-com1', '-device', 'isa-serial,chardev=vmstate-com1'],
  code: new Asm()
    .cli()
    .outDx(COM1 + 3, 0x83) // DLAB
    .outDx(COM1 + 0, 0x01) // divisor 1: 115200
    .outDx(COM1 + 1, 0x00)
    .outDx(COM1 + 3, 0x03) // 8N1
    .outDx(COM1 + 2, 0xc7) // FIFO on, clear both, trigger 14
    .outDx(COM1 + 4, 0x1b) // loopback, OUT2, RTS, DTR
    .outDx(COM1, 0x41)
    .outDx(COM1, 0x42)
    .outDx(COM1, 0x43)
    .done()
    .bytes(),
  expect: [
    { section: 'serial', field: 'state.mcr', value: '0x1b' },
    { section: 'serial', field: 'state.fcr_vmstate', value: '0xc1' },
    { section: 'serial', field: 'state.serial/recv_fifo.recv_fifo.num', value: '0x00000003' },
  ],
});
