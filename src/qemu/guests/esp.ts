/** An am53c974 (esp) SCSI controller left busy: a selection with ATN answered, interrupt pending. */
import { program } from './asm.js';
import { markerGuest } from './guest.js';

/** The controller's PCI slot (fixed, so the guest finds its I/O BAR without scanning). */
const SLOT = 5;
const config = (reg: number): number => (0x80000000 | (SLOT << 11) | reg) >>> 0;
/** esp registers are 4 bytes apart in the am53c974's I/O BAR. */
const REG = { fifo: 2 * 4, cmd: 3 * 4, busId: 4 * 4, cfg1: 8 * 4 } as const;

/**
 * Enables the controller's I/O space, reads its BAR0, resets the chip, puts an IDENTIFY message
 * for LUN 1 and a TEST UNIT READY into the FIFO and selects target 0 (an empty scsi-cd) with ATN,
 * without DMA. The controller runs the command (the CD answers LUN NOT SUPPORTED) and is left with
 * its interrupt pending, unread, and `lun = 1`: the field 10.0 and 7.2 save at different positions
 * (10.0 `…, cmdfifo, lun, drq_state`; 7.2 `…, cmdfifo, ti_cmd, lun`).
 */
export const espGuest = markerGuest({
  name: 'esp-busy',
  title: 'am53c974 selection with ATN to LUN 1 done, interrupt pending',
  reaches:
    'pciespscsi: esp.lun 1 (7.2, 10.0), rregs[INTR] 0x18 (bus service | function complete) unread, cmdfifo holding the IDENTIFY; scsi-disk sense LUN NOT SUPPORTED',
  devices: [
    '-device',
    `am53c974,id=vmstate-esp,addr=0x${SLOT.toString(16)}`,
    '-drive',
    'if=none,id=vmstate-cd,media=cdrom',
    '-device',
    'scsi-cd,drive=vmstate-cd,bus=vmstate-esp.0,scsi-id=0',
  ],
  code: program((a) => {
    a.outDx32(0xcf8, config(0x04)).movDx(0xcfc).movAx(0x0007).db(0xef); // command: I/O, memory, master
    a.outDx32(0xcf8, config(0x10)).inDx32(0xcfc).andAx(0xfffc).movBxAx(); // BX = I/O base
    a.outBx(REG.cmd, 0x02); // reset the chip
    a.outBx(REG.cfg1, 0x07); // own SCSI id 7
    a.outBx(REG.fifo, 0xc1); // IDENTIFY, disconnect allowed, LUN 1
    for (let i = 0; i < 6; i++) a.outBx(REG.fifo, 0x00); // TEST UNIT READY
    a.outBx(REG.busId, 0x00); // target 0
    a.outBx(REG.cmd, 0x42); // select with ATN, no DMA
  }),
  expect: [
    { section: 'pciespscsi', field: 'esp.rregs.5', value: '0x18' },
    { section: 'pciespscsi', field: 'esp.lun', value: '0x01', versions: ['7.2', '10.0'] },
  ],
});
