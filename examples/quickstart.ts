import { annotate, formatIssue, initial, load, MigrationError, saveDescribed, vmsd } from '../src/index.js';
import { machines, type UartState, uart } from './uart.js';

// 1. A state, typed from the description (no interface written by hand).
const state: UartState = {
  ...initial(uart),
  divider: 12,
  lcr: 0x03,
  lsr: 0x60,
  scratch: 0x5a,
  fifo: [0x48, 0x69, ...new Array<number>(14).fill(0)],
  timeout_ns: 4_000_000n,
};
const ctx = machines.context('demo-2.0');

// 2. Save: QEMU-layout bytes, plus the vmdesc that says what each byte is.
const { bytes, vmdesc } = saveDescribed(uart, state, { ctx });
console.log(`uart v${uart.version} on ${ctx.machine}: ${bytes.length} bytes\n`);
for (const a of annotate(vmdesc)) {
  const hex = Buffer.from(bytes.subarray(a.offset, a.offset + a.length))
    .toString('hex')
    .replace(/(..)/g, '$1 ')
    .trim();
  console.log(`  ${String(a.offset).padStart(3)}  ${hex.padEnd(36).slice(0, 48)}  ${a.label} (${a.type})`);
}

// 3. Load it back into a fresh receiver: the same state.
const loaded = load(uart, bytes, { ctx });
console.log(`\nloaded back: ${JSON.stringify(loaded, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))}`);
console.log(`equal to the original: ${JSON.stringify(loaded, big) === JSON.stringify(state, big)}`);

// 4. Backward migration: an older receiver without the subsection refuses instead of losing state.
const uartV1 = vmsd('uart', { version: 2, minimumVersion: 1, fields: uart.fields });
try {
  load(uartV1, bytes, { ctx });
} catch (e) {
  if (!(e instanceof MigrationError)) throw e;
  console.log(`\nan older receiver refuses:\n  ${e.issues.map(formatIssue).join('\n  ')}`);
}
// ...and on the old machine type the timeout is not sent, so the older receiver loads it.
const oldCtx = machines.context('demo-1.0');
const onOld = saveDescribed(uart, state, { ctx: oldCtx }).bytes;
console.log(
  `on ${oldCtx.machine}: ${onOld.length} bytes, older receiver loads: ${load(uartV1, onOld).divider === 12}`,
);

function big(_k: string, v: unknown) {
  return typeof v === 'bigint' ? `${v}n` : v;
}
