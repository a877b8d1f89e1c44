/** The lab runs the project names: `full` (npm run lab:qemu) and `ci` (bounded, in npm test). */
import { GUESTS } from '../guests/catalog.js';
import { QEMU_VERSIONS } from '../versions.js';
import { allPairs, type LabMatrix } from './cells.js';
import { DEVICE_SETS } from './device-sets.js';

export interface LabPreset {
  readonly matrix: LabMatrix;
  readonly convert: boolean;
  readonly roundTrip: boolean;
  readonly about: string;
}

export const PRESETS: Readonly<Record<'full' | 'ci', LabPreset>> = Object.freeze({
  full: {
    about:
      'every ordered pair of 5.2, 7.2, 10.0 × the newest pc and q35 machine types both know × every device set × every workload, settled; the prevalent and ltim workloads also live',
    matrix: {
      pairs: allPairs(QEMU_VERSIONS),
      devices: DEVICE_SETS.map((d) => d.name),
      workloads: GUESTS.map((g) => g.name),
      when: ['settled', 'live'],
      liveWorkloads: ['prevalent', 'ltim'],
    },
    convert: true,
    roundTrip: true,
  },
  ci: {
    about:
      'every ordered pair × the newest pc machine type both know × base and scsi devices × prevalent, ltim, i8042-pending, uart-loopback, esp-busy, settled',
    matrix: {
      pairs: allPairs(QEMU_VERSIONS),
      machines: ['pc-i440fx-7.2', 'pc-i440fx-5.2'],
      devices: ['base', 'scsi'],
      workloads: ['prevalent', 'ltim', 'i8042-pending', 'uart-loopback', 'esp-busy'],
      when: ['settled'],
    },
    convert: true,
    roundTrip: true,
  },
});
