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
export { fromVmdescBody, isOpenCoded, type Vmdesc, type VmdescEntry } from './vmdesc.js';
