/** One word per cell for tables and the heat map. */
import type { CellResult } from './result.js';

export type CellOutcome = 'loads' | 'refused' | 'disagree' | 'error';

export const OUTCOME_COLOURS: Readonly<Record<CellOutcome, string>> = Object.freeze({
  loads: '#2e7d32',
  refused: '#f2a900',
  disagree: '#c62828',
  error: '#6a1b9a',
});

export const OUTCOME_MEANING: Readonly<Record<CellOutcome, string>> = Object.freeze({
  loads: 'QEMU loads, vmstate says loads',
  refused: 'QEMU refuses, vmstate says refused',
  disagree: 'vmstate’s verdict is not QEMU’s',
  error: 'the cell could not run (source did not save, checker failed)',
});

export function outcomeOf(c: CellResult): CellOutcome {
  if (c.qemu === undefined) return 'error';
  if (c.agree !== true) return c.vmstate === undefined ? 'error' : 'disagree';
  return c.qemu.verdict;
}
