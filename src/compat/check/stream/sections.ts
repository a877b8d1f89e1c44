import { fail } from '../../../errors/index.js';
import {
  type ConfigurationItem,
  readStream,
  type SectionItem,
  type VmdescEntry,
} from '../../../stream/index.js';
import type { StreamInput } from './positional.js';

/** Where a FULL section's body lies and how its sender described it (the bytes stay in the input). */
export interface SectionBody {
  readonly offset?: number;
  /** The body's length; undefined when the reader gave no body bytes. */
  readonly size?: number;
  readonly vmdesc?: VmdescEntry;
}

export interface Section {
  readonly header: SectionItem;
  body?: SectionBody;
}

/** What the check needs of a stream, without its bytes. */
export interface StreamOutline {
  readonly config?: ConfigurationItem;
  /** FULL sections in stream order. */
  readonly sections: readonly Section[];
  /** Whether the first section ended with a footer (undefined: no section). */
  readonly footers?: boolean;
}

/**
 * Default bound on the sections an outline holds: a PC guest sends about a hundred, a guest with
 * thousands of devices a few thousand.
 */
export const MAX_SECTIONS = 1 << 16;

function tooMany(item: SectionItem, max: number): never {
  return fail('bound-exceeded', `more than ${max} sections in the stream (the check's limit)`, {
    offset: item.offset ?? 0,
    details: { limit: max },
  });
}

/**
 * Reads the stream once, RAM pages counted in bulk and never kept, and keeps only each section's
 * header, body place and vmdesc entry: memory grows with the number of sections (bounded by
 * `maxSections`, a `bound-exceeded` MigrationError past it), not with the stream's size.
 */
export async function outline(input: StreamInput, maxSections = MAX_SECTIONS): Promise<StreamOutline> {
  let config: ConfigurationItem | undefined;
  const sections: Section[] = [];
  const byId = new Map<number, Section>();
  let footers: boolean | undefined;
  let current: Section | undefined;
  let made = 0;
  for await (const item of readStream(input, { ramPages: 'count' })) {
    switch (item.type) {
      case 'configuration':
        config = item;
        break;
      case 'section': {
        current = byId.get(item.sectionId);
        if (item.kind === 'full' || item.kind === 'start' || !current) {
          // Every section made here may be held (in `sections` or `byId`): each one counts.
          if (++made > maxSections) tooMany(item, maxSections);
          current = { header: item };
          byId.set(item.sectionId, current);
          if (item.kind === 'full') sections.push(current);
        }
        break;
      }
      case 'device':
      case 'opaque':
        if (current && current.header.kind === 'full') {
          current.body = {
            ...(item.offset === undefined ? {} : { offset: item.offset }),
            ...(item.body === undefined ? {} : { size: item.body.length }),
            ...(item.vmdesc === undefined ? {} : { vmdesc: item.vmdesc }),
          };
        }
        break;
      case 'section-end':
        footers ??= item.footer;
        break;
      default:
    }
  }
  return { ...(config ? { config } : {}), sections, ...(footers === undefined ? {} : { footers }) };
}
