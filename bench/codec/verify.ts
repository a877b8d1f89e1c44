import assert from 'node:assert/strict';
import type { BenchCase, Contender } from './contender.js';
import type { FdcRecord, UartRecord } from './samples.js';
import { FDC_WIRE_BYTES, UART_WIRE_BYTES } from './vmstate.js';

/**
 * A codec-neutral form of a value, for comparing what different codecs hold: keys lower-cased
 * without underscores (`data_pos` ≡ `dataPos`), Protobuf's `$typeName` dropped, byte arrays as
 * number arrays, class instances (avsc records) as plain objects.
 */
export function neutral(value: unknown): unknown {
  if (ArrayBuffer.isView(value)) return Array.from(value as Uint8Array);
  if (Array.isArray(value)) return value.map(neutral);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k.startsWith('$')) continue;
    out[k.replaceAll('_', '').toLowerCase()] = neutral(v);
  }
  return out;
}

/** QEMU's bytes for the UART body, written out by hand (big-endian, declaration order). */
function uartReference(r: UartRecord): number[] {
  const { divider: d, fifo_len: n } = r;
  return [
    d >> 8,
    d & 0xff,
    r.rbr,
    r.ier,
    r.iir,
    r.lcr,
    r.mcr,
    r.lsr,
    r.msr,
    r.scr,
    r.fcr,
    n >> 8,
    n & 0xff,
  ].concat(r.fifo);
}

/** QEMU's bytes for the fdc body, written out by hand. */
function fdcReference(r: FdcRecord): number[] {
  const be32 = (v: number) => [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
  const name = [...'fdrive/media_rate'].map((c) => c.charCodeAt(0));
  return [
    ...[r.sra, r.srb, r.dor_vmstate, r.tdr, r.dsr, r.msr, r.status0, r.status1, r.status2],
    ...r.fifo,
    ...be32(r.data_pos),
    ...be32(r.data_len),
    ...[r.data_state, r.data_dir, r.eot, r.timer0, r.timer1, r.precomp_trk, r.config, r.lock, r.pwrd],
    r.num_floppies,
    ...r.drives.flatMap((d) => [
      d.head,
      d.track,
      d.sect,
      0x05,
      name.length,
      ...name,
      ...be32(1),
      d.media_rate,
    ]),
  ];
}

function roundTrip(c: Contender, caseName: string): void {
  for (const [i, input] of c.inputs.entries()) {
    const bytes = c.encode(input);
    const decoded = c.decode(bytes);
    assert.deepStrictEqual(
      neutral(decoded),
      neutral(input),
      `${caseName}/${c.name}: record ${i} does not survive encode → decode`,
    );
    // Bytes must be stable: encoding the decoded value gives the same bytes.
    assert.deepStrictEqual(
      Array.from(c.encode(decoded as never)),
      Array.from(bytes),
      `${caseName}/${c.name}: record ${i} re-encodes differently`,
    );
  }
}

/**
 * Refuses to benchmark a broken encoder: every contender round-trips every record, all of them
 * hold the same values, and vmstate's bytes are exactly QEMU's layout.
 */
export function verify(cases: readonly BenchCase[], records: { uart: UartRecord[]; fdc: FdcRecord[] }): void {
  for (const bc of cases) {
    const reference = bc.contenders[0];
    assert.ok(reference && reference.name === 'vmstate', `${bc.name}: vmstate must come first`);
    for (const c of bc.contenders) {
      roundTrip(c, bc.name);
      // Everyone encodes the same values as vmstate does.
      c.inputs.forEach((input, i) => {
        assert.deepStrictEqual(
          neutral(input),
          neutral(reference.inputs[i]),
          `${bc.name}: ${c.name} input ${i}`,
        );
      });
    }
    const isUart = bc.name === 'uart';
    reference.inputs.forEach((input, i) => {
      const bytes = reference.encode(input);
      assert.equal(bytes.length, isUart ? UART_WIRE_BYTES : FDC_WIRE_BYTES, `${bc.name}: vmstate size`);
      const expected = isUart
        ? uartReference(records.uart[i] as UartRecord)
        : fdcReference(records.fdc[i] as FdcRecord);
      assert.deepStrictEqual(
        Array.from(bytes),
        expected,
        `${bc.name}: vmstate record ${i} is not QEMU's layout`,
      );
    });
  }
}
