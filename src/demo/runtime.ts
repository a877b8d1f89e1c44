/**
 * How the controller behaves at run time, by release. The first release follows the old chip
 * logic: RQM stays set while a command is decoded and when the last result byte is read, and the
 * MSR keeps its value while the chip is held in reset — so the phase can always be told from the
 * MSR. The second release models the 82077AA more closely: RQM drops for a moment while the
 * opcode is decoded and after the last result byte, and the MSR reads 0 in reset. Those are the
 * (rare, short) states in which the phase differs from what the MSR suggests.
 */
export interface Runtime {
  readonly name: 'v1' | 'v2';
  /** RQM low after an opcode byte, while the command is decoded (0: never). */
  readonly decodeNs: number;
  /** RQM low after the last result byte, before the next command is accepted (0: never). */
  readonly windDownNs: number;
  /** The MSR reads 0 while DOR holds the chip in reset. */
  readonly zeroMsrInReset: boolean;
}

export const RUNTIMES: Readonly<Record<Runtime['name'], Runtime>> = Object.freeze({
  v1: Object.freeze({ name: 'v1', decodeNs: 0, windDownNs: 0, zeroMsrInReset: false }),
  v2: Object.freeze({ name: 'v2', decodeNs: 1_500, windDownNs: 1_500, zeroMsrInReset: true }),
});

/** Time the machine charges for one ISA port access. */
export const IO_NS = 1_000;
/** One data byte at 500 kbit/s: how long a DMA transfer of a sector takes (8.2 ms). */
export const BYTE_NS = 16_000;
/** READ ID waits for the next ID field to pass under the head. */
export const READ_ID_NS = 5_000_000;
