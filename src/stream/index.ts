export {
  type Analysis,
  type AnalyzeOptions,
  analysisChunks,
  analysisText,
  analyzeStream,
} from './analyze/analyze.js';
export { hexBytes, type PageSink, renderDevice } from './analyze/analyze-state.js';
export { blockPath, RamExtractor } from './analyze/extract.js';
export { PageStore } from './analyze/page-store.js';
export { type PyValue, pyJson, pyJsonChunks, pyString } from './analyze/pyjson.js';
export { type JsonValue, stateFromJson, stateToJson } from './analyze/state-json.js';
export {
  formatSummary,
  printableSummary,
  type RamSummary,
  type SectionSummary,
  type StreamSummary,
  SummaryBuilder,
} from './analyze/summary.js';
export {
  convertWithDescriptions,
  type DescriptionConversion,
  type SectionSpecLike,
} from './convert/by-descriptions.js';
export {
  convertByFieldNames,
  NOT_IN_DUMPS,
  type TargetDescription,
  type TargetField,
  type TargetSet,
} from './convert/by-field-names.js';
export {
  type Adjustment,
  type ChangeKind,
  type ConvertOptions,
  type ConvertReport,
  formatConvertReport,
  type Loss,
  lossAllowed,
  sectionLabel,
} from './convert/report.js';
export { assembleDocument, assembleStream } from './lossless/assemble.js';
export {
  DEFAULT_MAX_HELD_BYTES,
  type DocumentReadOptions,
  type LosslessDocument,
  NotJson,
  readLosslessDocument,
} from './lossless/document-reader.js';
export {
  type AssembleOptions,
  checkLossless,
  itemsFromLossless,
  itemsOf,
  LOSSLESS_FORMAT,
  LosslessBuilder,
  type LosslessDoc,
  LosslessText,
  losslessChunks,
} from './lossless/lossless.js';
export { findOpaqueEnd, plausibleItemAt } from './read/boundary.js';
export { CONFIG_SUBSECTIONS, capabilitiesOf } from './read/configuration.js';
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
} from './read/items.js';
export {
  type DescriptionLookup,
  descriptionLookup,
  type ReadOptions,
  readStream,
  STREAM_MAGIC,
  STREAM_VERSION,
} from './read/reader.js';
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
} from './read/section.js';
export { ByteSource, blockingStdin, type FdSource, type StreamSource } from './read/source.js';
export { findTrailer, parseVmdesc, readTrailer, type VmdescLimits } from './read/trailer.js';
export { fromVmdescBody, isOpenCoded, type Vmdesc, type VmdescEntry } from './read/vmdesc.js';
export {
  type InputRef,
  OutputError,
  refuseSameFile,
  replaceDirectory,
  writeFileAtomic,
} from './write/atomic-output.js';
export {
  encodeStream,
  StreamEncoder,
  type StreamSink,
  type WritableSink,
  type WriteOptions,
  writeChunks,
  writeStream,
} from './write/writer.js';
