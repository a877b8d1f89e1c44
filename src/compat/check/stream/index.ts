export {
  checkStream,
  type StreamCheckOptions,
  type StreamCheckReport,
  type StreamFinding,
  type StreamVerdictKind,
  streamCheckJson,
} from './check-stream.js';
export {
  type ConvertedStream,
  convertFileForQemu,
  convertForQemu,
  type QemuConvertOptions,
  type QemuConvertReport,
} from './convert.js';
export { type Framing, framingOf } from './framing.js';
export { isStreamFile, loadStreamCheckInputs, openStreamCheckInputs } from './inputs.js';
export { isMigrationStream } from './magic.js';
export type { StreamInput } from './positional.js';
export { formatStreamCheckText, type StreamTextOptions } from './text.js';
