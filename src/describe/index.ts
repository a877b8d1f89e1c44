export { type GTreeOptions, gtree, type QueueOptions, qlist, qtailq } from './collections.js';
export { defaultContext, type MigrationContext, type PropValue } from './context.js';
export {
  type ArraySpec,
  array,
  buffer,
  type DescriptionParts,
  type FieldOptions,
  field,
  fieldFromParts,
  pointer,
  type SubsectionBuilder,
  type SubsectionOf,
  struct,
  subsectionFromParts,
  tmp,
  unused,
  validate,
  varray,
  vbuffer,
  vmsd,
  vmsdFromParts,
  vstruct,
} from './dsl.js';
export type { FieldsState, Infer, Simplify, SubsectionsState } from './infer.js';
export { defineMachines, type MachineRegistry, type MachineTypeSpec } from './machines.js';
export {
  bool,
  double,
  equal,
  INT_RANGES,
  int8,
  int16,
  int32,
  int32Le,
  int64,
  TIMER_NOT_ARMED,
  timer,
  uint8,
  uint16,
  uint32,
  uint64,
} from './scalars.js';
export type * from './types.js';
export { fixedWidth } from './widths.js';
