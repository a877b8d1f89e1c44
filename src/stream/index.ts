export {
  type Analysis,
  type AnalyzeOptions,
  analysisChunks,
  analysisText,
  analyzeStream,
} from './analyze.js';
export { hexBytes, type PageSink, renderDevice } from './analyze-state.js';
export {
  type InputRef,
  OutputError,
  refuseSameFile,
  replaceDirectory,
  writeFileAtomic,
} from './atomic-output.js';
export { findOpaqueEnd, plausibleItemAt } from './boundary.js';
export { CONFIG_SUBSECTIONS, capabilitiesOf } from './configuration.js';
export {
  type Adjustment,
  type ChangeKind,
  type ConvertOptions,
  type ConvertReport,
  convertQemuStream,
  formatConvertReport,
  type Loss,
  NOT_IN_DUMPS,
  type QemuConverter,
  type TargetDescription,
  type TargetField,
  type TargetSet,
  useQemuConverter,
} from './convert.js';
export { convertWithDescriptions, type DescriptionConversion, type SectionSpecLike } from './convert-ts.js';
export { blockPath, RamExtractor } from './extract.js';
export {
  COMMAND_NAMES,
  Command,
  type CommandItem,
  type ConfigSubsection,
  type ConfigurationItem,
  type DecodedBy,
  type DeviceItem,
  type EofItem,
  type HeaderItem,
  type OpaqueItem,
  type PackagedEndItem,
  type RamBlock,
  type RamBlocksItem,
  type RamEosItem,
  RamFlag,
  type RamFlushItem,
  type RamPageItem,
  type RamZeroItem,
  type SectionEndItem,
  type SectionItem,
  type SectionKind,
  type StreamItem,
  type VmdescItem,
} from './items.js';
export {
  type AssembleOptions,
  assembleStream,
  checkLossless,
  itemsFromLossless,
  itemsOf,
  LOSSLESS_FORMAT,
  LosslessBuilder,
  type LosslessDoc,
  losslessChunks,
} from './lossless.js';
export { losslessFileItems } from './lossless-file.js';
export { PageStore } from './page-store.js';
export { type PyValue, pyJson, pyJsonChunks, pyString } from './pyjson.js';
export {
  type DescriptionLookup,
  descriptionLookup,
  type ReadOptions,
  readStream,
  STREAM_MAGIC,
  STREAM_VERSION,
} from './reader.js';
export {
  type DecodedSection,
  decodeFullSection,
  encodeFullSection,
  encodeFullSectionDescribed,
  readFooter,
  type SectionFraming,
  type SectionIdentity,
  SectionType,
  type VmdescDevice,
  writeFooter,
  writeFullHeader,
} from './section.js';
export { ByteSource, blockingStdin, type FdSource, type StreamSource } from './source.js';
export { type JsonValue, stateFromJson, stateToJson } from './state-json.js';
export {
  formatSummary,
  printableSummary,
  type RamSummary,
  type SectionSummary,
  type StreamSummary,
  SummaryBuilder,
} from './summary.js';
export { findTrailer, parseVmdesc, readTrailer, type VmdescLimits } from './trailer.js';
export { fromVmdescBody, isOpenCoded, type Vmdesc, type VmdescEntry } from './vmdesc.js';
export { encodeStream, StreamEncoder, type StreamSink, type WriteOptions, writeStream } from './writer.js';
