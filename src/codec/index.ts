export { type Annotation, annotate } from './annotate.js';
export {
  initial,
  type LoadOptions,
  load,
  loadFrom,
  type SaveOptions,
  save,
  saveDescribed,
  saveTo,
} from './codec.js';
export { type DumpDescription, type DumpField, toDumpVmstate } from './dump.js';
export { NULL_MARKER } from './elements.js';
export { type CodecConfig, configure, isJitless } from './jit.js';
export { planOf, SUBSECTION_MARKER } from './plan.js';
export { fieldExists, presentOrFailed, sectionNeeded, subsectionNeeded } from './presence.js';
export { nodesOf, rememberNodes, type VmdescBody, type VmdescField, type VmdescNode } from './vmdesc-json.js';
