import {
  array,
  equal,
  field,
  type Infer,
  int32,
  type MigrationContext,
  struct,
  TIMER_NOT_ARMED,
  timer,
  uint8,
  uint32,
  validate,
  varray,
  vmsd,
} from '../index.js';
import { Dor, FIFO_SIZE, Msr, NUM_DRIVES, Phase, reconstructPhase } from './constants.js';

/**
 * The `fdc` section exactly as QEMU lays it out (hw/block/fdc.c, 7.2): an outer `fdc` description
 * (version 2) whose one field `state` is the controller, itself a description named `fdc`
 * (version 2, minimum 2) with the register file, the FIFO, two `fdrive` structs, and the
 * subsections `fdc/reset_sensei`, `fdc/result_timer` and — from the second release on —
 * `fdc/phase`. The four releases differ only in when `fdc/phase` is sent.
 */

/** Machine-type property of the policies that tie the phase to the machine type ((b) and (c)). */
export const MIGRATE_PHASE = 'fdc.migrate-phase';

/**
 * Members of the controller that live only in the running model: the digital output register
 * and the selected drive (QEMU keeps them outside the stream and rebuilds them from
 * `dor_vmstate`), and the phase in the first release, which does not store it.
 */
export interface FdcRuntimeMembers {
  dor: number;
  cur_drv: number;
  phase: number;
}

/** Per drive: position, and the three subsections QEMU gives `fdrive`. */
function fdriveDescription(attached: boolean) {
  return vmsd('fdrive', {
    version: 1,
    minimumVersion: 1,
    fields: [field('head', uint8), field('track', uint8), field('sect', uint8)],
    subsections: (sub) => [
      // A drive with a backend reports a media change until the first seek with a disk in it.
      // 1 is what a receiver's drive starts with, so it is the prevalent value.
      sub('fdrive/media_changed', {
        version: 1,
        minimumVersion: 1,
        fields: [field('media_changed', uint8, { default: 1 })],
        needed: (s) => attached && s.media_changed !== 1,
      }),
      // Always sent: a receiver without it fails, on purpose (QEMU 2.x).
      sub('fdrive/media_rate', { version: 1, minimumVersion: 1, fields: [field('media_rate', uint8)] }),
      sub('fdrive/perpendicular', {
        version: 1,
        minimumVersion: 1,
        fields: [field('perpendicular', uint8)],
        needed: (s) => s.perpendicular !== 0,
      }),
    ],
  });
}

function controllerFields(attached: boolean) {
  return [
    field('sra', uint8),
    field('srb', uint8),
    field('dor_vmstate', uint8),
    field('tdr', uint8),
    field('dsr', uint8),
    // A fresh receiver's controller is out of reset and waiting for a command (QEMU's fdctrl_reset).
    field('msr', uint8, { default: Msr.RQM }),
    field('status0', uint8),
    field('status1', uint8),
    field('status2', uint8),
    // The FIFO's length is the receiver's constant fifo_size (512): it is not on the wire.
    field('fifo', varray(uint8, { count: () => FIFO_SIZE, max: FIFO_SIZE })),
    field('data_pos', uint32),
    field('data_len', uint32),
    field('data_state', uint8),
    field('data_dir', uint8),
    field('eot', uint8),
    field('timer0', uint8),
    field('timer1', uint8),
    field('precomp_trk', uint8),
    field('config', uint8),
    field('lock', uint8),
    field('pwrd', uint8),
    field('num_floppies', equal(uint8), { default: NUM_DRIVES }),
    field('drives', array(struct(fdriveDescription(attached)), NUM_DRIVES)),
  ] as const;
}

type Loose = Record<string, unknown> & Partial<FdcRuntimeMembers> & { dor_vmstate: number; msr: number };

/** QEMU's pre_save: the selected drive travels in the low bits of the DOR. */
function preSave(s: Loose): void {
  if (typeof s.dor === 'number' && typeof s.cur_drv === 'number') s.dor_vmstate = s.dor | s.cur_drv;
}

/** QEMU's post_load, first half: DOR and the selected drive back from `dor_vmstate`. */
function restoreDor(s: Loose): void {
  s.cur_drv = s.dor_vmstate & Dor.SELMASK;
  s.dor = s.dor_vmstate & ~Dor.SELMASK;
}

/** The subsections every release sends, each when its state is off its reset value. */
const resetSensei = {
  version: 1,
  minimumVersion: 1,
  fields: [field('reset_sensei', int32)],
  needed: (s: { reset_sensei: number }) => s.reset_sensei !== 0,
} as const;
const resultTimer = {
  version: 1,
  minimumVersion: 1,
  fields: [field('result_timer', timer, { default: TIMER_NOT_ARMED })],
  needed: (s: { result_timer: bigint }) => s.result_timer !== TIMER_NOT_ARMED,
} as const;

/** The first release: no phase in the stream; every receiver infers it from the MSR. */
function controllerWithoutPhase(attached: boolean) {
  return vmsd('fdc', {
    version: 2,
    minimumVersion: 2,
    fields: controllerFields(attached),
    subsections: (sub) => [sub('fdc/reset_sensei', resetSensei), sub('fdc/result_timer', resultTimer)],
    preSave: (s) => preSave(s as unknown as Loose),
    postLoad: (s) => {
      const loose = s as unknown as Loose;
      restoreDor(loose);
      loose.phase = reconstructPhase(s.msr);
    },
  });
}

/** When a later release sends `fdc/phase`. */
type PhaseNeeded = (s: { msr: number; phase: number }, ctx: MigrationContext) => boolean;

/** A later release: `fdc/phase` after the other subsections; absent, the receiver infers it. */
function controllerWithPhase(attached: boolean, needed: PhaseNeeded, dependsOn: readonly string[]) {
  return vmsd('fdc', {
    version: 2,
    minimumVersion: 2,
    fields: controllerFields(attached),
    subsections: (sub) => [
      sub('fdc/reset_sensei', resetSensei),
      sub('fdc/result_timer', resultTimer),
      sub('fdc/phase', {
        version: 1,
        minimumVersion: 1,
        fields: [
          field('phase', uint8, { default: Phase.COMMAND }),
          // No bytes: a sent phase must be a real one (0 would mean "infer it").
          validate(
            'phase_is_real',
            (s: { phase: number }) => s.phase >= Phase.COMMAND && s.phase <= Phase.RESULT,
          ),
        ],
        needed: (s, ctx) => needed(s, ctx),
        dependsOn,
      }),
    ],
    preSave: (s) => preSave(s as unknown as Loose),
    // QEMU's pre_load: the sentinel, so post_load can tell "sent" from "absent".
    preLoad: (s) => {
      s.phase = Phase.RECONSTRUCT;
    },
    postLoad: (s) => {
      restoreDor(s as unknown as Loose);
      if (s.phase === Phase.RECONSTRUCT) s.phase = reconstructPhase(s.msr);
    },
  });
}

/** The shipping policies for `fdc/phase`, plus the first release that has none. */
export type Policy = 'v1' | 'v2a' | 'v2b' | 'v2c';
export const POLICIES: readonly Policy[] = ['v1', 'v2a', 'v2b', 'v2c'];

const notPrevalent: PhaseNeeded = (s) => reconstructPhase(s.msr) !== s.phase;
const newMachine: PhaseNeeded = (_s, ctx) => ctx.props[MIGRATE_PHASE] === true;

function controllerFor(policy: Policy, attached: boolean) {
  switch (policy) {
    case 'v1':
      return controllerWithoutPhase(attached);
    // (a): only when the phase differs from what the receiver would infer.
    case 'v2a':
      return controllerWithPhase(attached, notPrevalent, []);
    // (b): always on machine types that have the property, never on older ones.
    case 'v2b':
      return controllerWithPhase(attached, newMachine, [MIGRATE_PHASE]);
    // (c): always on new machine types, by prevalence on old ones.
    case 'v2c':
      return controllerWithPhase(attached, (s, ctx) => newMachine(s, ctx) || notPrevalent(s, ctx), [
        MIGRATE_PHASE,
      ]);
  }
}

/** The section for a release; `attached: false` is a controller without drives (QEMU's -nodefaults). */
export function fdcSection(policy: Policy, options: { attached?: boolean } = {}) {
  // Typed as the richest release: the state object always has a phase (the first release keeps
  // it as a run-time member that its post_load infers), only the bytes differ.
  const inner = controllerFor(policy, options.attached ?? true) as ReturnType<typeof controllerWithPhase>;
  return vmsd('fdc', { version: 2, minimumVersion: 2, fields: [field('state', struct(inner))] });
}

/** The controller state every release can hold (the phase is a runtime member in the first one). */
export type FdcControllerState = Infer<ReturnType<typeof controllerWithPhase>> & FdcRuntimeMembers;
export type FdriveState = FdcControllerState['drives'][number];
/** The whole section: `{ state: controller }`. */
export interface FdcSectionState {
  state: FdcControllerState;
}
