/**
 * Register offsets, bits and command codes of an 82077AA-style floppy disk controller, and the
 * phase numbers QEMU gives its migration stream (part (c) of the semantics notes).
 */

/** I/O ports of the primary controller. */
export const BASE = 0x3f0;
export const Port = {
  SRA: BASE + 0,
  SRB: BASE + 1,
  DOR: BASE + 2,
  TDR: BASE + 3,
  /** MSR when read, DSR when written. */
  MSR: BASE + 4,
  DSR: BASE + 4,
  FIFO: BASE + 5,
  /** DIR when read, CCR when written. */
  DIR: BASE + 7,
  CCR: BASE + 7,
} as const;

export const Msr = {
  DRV0BUSY: 0x01,
  DRV1BUSY: 0x02,
  CMDBUSY: 0x10,
  NONDMA: 0x20,
  DIO: 0x40,
  RQM: 0x80,
} as const;
export const Dor = { SELMASK: 0x01, NRESET: 0x04, DMAEN: 0x08, MOTEN0: 0x10, MOTEN1: 0x20 } as const;
export const Dsr = { RATEMASK: 0x03, PWRDOWN: 0x40, SWRESET: 0x80 } as const;
export const Sra = { INTPEND: 0x80, NDRV2: 0x40 } as const;
export const Srb = { MTR0: 0x01, MTR1: 0x02, DR0: 0x20, RESET_VALUE: 0xc0 } as const;
export const Dir = { DSKCHG: 0x80 } as const;
export const St0 = { HEAD: 0x04, SEEK: 0x20, ABNTERM: 0x40, INVCMD: 0x80, RDYCHG: 0xc0 } as const;
export const St1 = { MA: 0x01, NW: 0x02, OR: 0x10, EC: 0x80 } as const;

/** QEMU's phase values. 0 is never a real phase: receivers use it to mean "not sent". */
export const Phase = { RECONSTRUCT: 0, COMMAND: 1, EXECUTION: 2, RESULT: 3 } as const;
export type PhaseValue = (typeof Phase)[keyof typeof Phase];
export const PHASE_NAMES: Readonly<Record<number, string>> = {
  0: 'RECONSTRUCT',
  1: 'COMMAND',
  2: 'EXECUTION',
  3: 'RESULT',
};

/**
 * The frozen inference of the first release (QEMU's `reconstruct_phase`): what a receiver that
 * gets no phase assumes. Part of the migration ABI: never change it.
 */
export function reconstructPhase(msr: number): PhaseValue {
  if (msr & Msr.NONDMA) return Phase.EXECUTION;
  if (!(msr & Msr.RQM)) return Phase.EXECUTION;
  if (msr & Msr.DIO) return Phase.RESULT;
  return Phase.COMMAND;
}

/** Data direction of the FIFO (QEMU's `data_dir`). */
export const DataDir = { WRITE: 0, READ: 1 } as const;
/** `data_state` flags. */
export const DataState = { MULTI: 0x01 } as const;

export const Cmd = {
  SPECIFY: 0x03,
  SENSE_DRIVE_STATUS: 0x04,
  WRITE: 0x05,
  READ: 0x06,
  RECALIBRATE: 0x07,
  SENSE_INTERRUPT_STATUS: 0x08,
  READ_ID: 0x0a,
  SEEK: 0x0f,
  VERSION: 0x10,
  CONFIGURE: 0x13,
  LOCK: 0x14,
} as const;
/** Modifier bits of READ/WRITE/READ ID: multi-track, MFM, skip deleted. */
export const CmdFlag = { MT: 0x80, MFM: 0x40, SK: 0x20 } as const;

/** What VERSION answers: an enhanced controller (82077AA and later). */
export const VERSION_ENHANCED = 0x90;
/** SENSE INTERRUPT STATUS answers this many times after a reset (one per drive the chip polls). */
export const RESET_SENSEI_COUNT = 4;
/** The receiver's `num_floppies` (QEMU `MAX_FD`). */
export const NUM_DRIVES = 2;
/** The FIFO buffer: one sector. */
export const FIFO_SIZE = 512;
export const SECTOR = 512;
