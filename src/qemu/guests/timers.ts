/** Workloads for the RTC (mc146818), the PIT (i8254) and the PC speaker. */
import { Asm, program } from './asm.js';
import { markerGuest } from './guest.js';

const cmos = (a: Asm, reg: number, value: number): Asm => a.outImm(0x70, reg).outImm(0x71, value);

/**
 * RTC with every interrupt source on and none acknowledged: register A rate 15 (2 Hz periodic),
 * register B = PIE | AIE | 24h, alarms "don't care" (fire every second). IRQ 8 is never serviced,
 * so register C keeps IRQF set and the periodic timer keeps running.
 */
export const rtcGuest = markerGuest({
  name: 'rtc-periodic',
  title: 'RTC periodic + alarm interrupts, unacknowledged',
  reaches:
    'mc146818rtc: cmos_data[0x0A] = 0x2f (rate 15), [0x0B] = 0x62 (PIE|AIE|24h), [0x0C] IRQF set; period 0x4000, periodic timer armed',
  code: program((a) => {
    cmos(a, 0x01, 0xff); // seconds alarm: don't care
    cmos(a, 0x03, 0xff); // minutes alarm: don't care
    cmos(a, 0x05, 0xff); // hours alarm: don't care
    cmos(a, 0x0a, 0x2f);
    cmos(a, 0x0b, 0x62);
  }),
  expect: [
    { section: 'mc146818rtc', field: 'cmos_data.10', value: '0x2f' },
    { section: 'mc146818rtc', field: 'cmos_data.11', value: '0x62' },
    { section: 'mc146818rtc', field: 'period', value: '0x00004000' },
  ],
});

/**
 * PIT in unusual modes: channel 2 in mode 5 (hardware-triggered strobe) counting in BCD, then a
 * read-back that latches channel 0's status, and a counter-latch command for channel 0 whose
 * value is never read. Both latches are pending when the VM is saved.
 */
export const pitGuest = markerGuest({
  name: 'pit-latched',
  title: 'PIT mode 5 BCD, status and count latched unread',
  reaches:
    'i8254: channels[2] mode 5, bcd 1, count 0x1234 written; channels[0] status_latched 1 and count_latched 3 (a latch pending, never read)',
  code: new Asm()
    .cli()
    .outImm(0x43, 0xbb) // ch2, lo/hi, mode 5, BCD
    .outImm(0x42, 0x34)
    .outImm(0x42, 0x12)
    .outImm(0x43, 0xe2) // read-back: latch status (not count) of channel 0
    .outImm(0x43, 0x00) // counter latch, channel 0
    .done()
    .bytes(),
  expect: [
    { section: 'i8254', field: 'channels.2.mode', value: '0x05' },
    { section: 'i8254', field: 'channels.2.bcd', value: '0x01' },
    { section: 'i8254', field: 'channels.0.status_latched', value: '0x01' },
    { section: 'i8254', field: 'channels.0.count_latched', value: '0x03' },
  ],
});

/** The PC speaker on: PIT channel 2 square wave at ~1.2 kHz, port 0x61 gate and data bits set. */
export const speakerGuest = markerGuest({
  name: 'speaker-on',
  title: 'PC speaker beeping (PIT ch2 mode 3, port 0x61 = 3)',
  reaches: 'pcspk: data_on 1; i8254 channels[2] mode 3, gate 1, count 0x03e8',
  code: new Asm()
    .cli()
    .outImm(0x43, 0xb6) // ch2, lo/hi, mode 3
    .outImm(0x42, 0xe8)
    .outImm(0x42, 0x03)
    .inImm(0x61)
    .db(0x0c, 0x03) // or al, 3: gate + speaker data
    .outImm(0x61)
    .done()
    .bytes(),
  expect: [
    { section: 'pcspk', field: 'data_on', value: '0x01' },
    { section: 'i8254', field: 'channels.2.mode', value: '0x03' },
    { section: 'i8254', field: 'channels.2.gate', value: '0x01' },
    { section: 'i8254', field: 'channels.2.count', value: '0x000003e8' },
  ],
});
