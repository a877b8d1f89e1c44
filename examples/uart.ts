import {
  array,
  defineMachines,
  field,
  type Infer,
  int32Le,
  uint8,
  uint16,
  uint64,
  vmsd,
} from '../src/index.js';

/**
 * A small 16550-style UART, described once. Version 2 added the `scratch` register; the
 * `uart/fifo_timeout` subsection carries state that is usually at its prevalent value (0) and is
 * sent only when it is not, so an older receiver can still load the common case.
 */
export const machines = defineMachines({
  defaults: { 'uart.migrate-timeout': true },
  types: [{ name: 'demo-2.0' }, { name: 'demo-1.0', compat: { 'uart.migrate-timeout': false } }],
});

export const uart = vmsd('uart', {
  version: 2,
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
    field('scratch', uint8, { since: 2 }),
    field('fifo_len', int32Le, { default: 16 }),
    field('fifo', array(uint8, 16)),
  ],
  subsections: (sub) => [
    sub('uart/fifo_timeout', {
      version: 1,
      fields: [field('timeout_ns', uint64)],
      dependsOn: ['uart.migrate-timeout'],
      needed: (s, ctx) => ctx.props['uart.migrate-timeout'] === true && s.timeout_ns !== 0n,
    }),
  ],
});

export type UartState = Infer<typeof uart>;
