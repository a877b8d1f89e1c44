import { saveDescribed, type VmdescBody } from '../../codec/index.js';
import { COMMAND_NAMES, type SectionItem, type StreamItem } from '../read/items.js';
import { type HeldResult, heldUntilVmdesc } from './held-devices.js';

/** One section (START/FULL and the PART/END that continue it share an entry). */
export interface SectionSummary {
  readonly sectionId: number;
  readonly idstr: string;
  readonly instanceId: number;
  readonly version: number;
  /** START, PART, END and FULL sections seen for it, in order ("full", or "start part… end"). */
  readonly kinds: string[];
  /** Bytes on the wire, headers and footers included, over all its sections. */
  size: number;
  /** How the body was understood: by a description, by the stream's vmdesc, or not at all. */
  decodedBy: 'description' | 'vmdesc' | 'opaque' | 'ram';
  /** Names of the subsections present, at any depth (undefined when the body was not decoded). */
  subsections: string[] | undefined;
}

export interface RamSummary {
  readonly blocks: { name: string; length: bigint }[];
  /** Sum of the block lengths. */
  total: bigint;
  pages: number;
  zeroPages: number;
  /** zero pages / (zero + normal pages); 0 when there were none. */
  zeroRatio: number;
}

export interface StreamSummary {
  /** Bytes read. */
  length: number;
  /** Machine type from the configuration section, when the stream has one. */
  machine: string | undefined;
  capabilities: string[];
  footers: boolean | undefined;
  vmdesc: boolean;
  sections: SectionSummary[];
  ram: RamSummary;
  commands: string[];
}

function subsectionNames(body: VmdescBody, out: string[]): void {
  for (const f of body.fields) {
    if (f.struct) subsectionNames(f.struct, out);
    else if (f.fields) subsectionNames(f as VmdescBody, out);
  }
  for (const s of body.subsections ?? []) {
    if (!out.includes(s.vmsd_name)) out.push(s.vmsd_name);
    subsectionNames(s, out);
  }
}

/** Collects a summary of a stream from its items. */
export class SummaryBuilder {
  private readonly s: StreamSummary = {
    length: 0,
    machine: undefined,
    capabilities: [],
    footers: undefined,
    vmdesc: false,
    sections: [],
    ram: { blocks: [], total: 0n, pages: 0, zeroPages: 0, zeroRatio: 0 },
    commands: [],
  };
  private readonly byId = new Map<number, SectionSummary>();
  private current: { summary: SectionSummary; start: number } | undefined;
  /** Sections held for a vmdesc that comes last (a pipe), in the order the state collector holds them. */
  private readonly held: SectionSummary[] = [];

  /** `holds`: device sections are held until the vmdesc (the state collector's `hold` option). */
  constructor(private readonly holds = false) {}

  add(item: StreamItem): void {
    const s = this.s;
    switch (item.type) {
      case 'configuration':
        s.machine = item.machine;
        for (const sub of item.subsections)
          if (sub.name === 'configuration/capabilities') s.capabilities = [...sub.capabilities];
        break;
      case 'section':
        this.section(item);
        break;
      case 'section-end':
        if (s.footers === undefined) s.footers = item.footer;
        if (this.current && item.offset !== undefined) {
          this.current.summary.size += item.offset + (item.footer ? 5 : 0) - this.current.start;
        }
        this.current = undefined;
        break;
      case 'ram-blocks':
        for (const b of item.blocks) {
          const known = s.ram.blocks.find((x) => x.name === b.name);
          if (known) known.length = b.length;
          else s.ram.blocks.push({ name: b.name, length: b.length });
        }
        s.ram.total = s.ram.blocks.reduce((a, b) => a + b.length, 0n);
        break;
      case 'ram-page':
        s.ram.pages++;
        break;
      case 'ram-zero':
        s.ram.zeroPages++;
        break;
      case 'ram-skipped':
        s.ram.pages += item.pages;
        s.ram.zeroPages += item.zeroPages;
        break;
      case 'device':
        if (this.current) {
          this.current.summary.decodedBy = item.decodedBy;
          const body = item.vmdesc ?? describe(item);
          const names: string[] = [];
          if (body && 'vmsd_name' in body) subsectionNames(body as VmdescBody, names);
          this.current.summary.subsections = body ? names : undefined;
        }
        break;
      case 'opaque':
        if (this.current && this.holds && heldUntilVmdesc(item, this.current.summary.kinds.at(-1) ?? '')) {
          this.held.push(this.current.summary);
        } else if (this.current) {
          this.current.summary.decodedBy = item.vmdesc ? 'vmdesc' : 'opaque';
          const names: string[] = [];
          // Framed by its entry (`bodies: 'framed'`): the subsections the entry lists, as decoded.
          if (item.boundary === 'vmdesc') subsectionNames(item.vmdesc as VmdescBody, names);
          this.current.summary.subsections = item.vmdesc ? names : undefined;
        }
        break;
      case 'command':
        s.commands.push(COMMAND_NAMES[item.cmd] ?? String(item.cmd));
        break;
      case 'vmdesc':
        s.vmdesc = true;
        break;
      default:
        break;
    }
  }

  private section(item: SectionItem): void {
    let summary = this.byId.get(item.sectionId);
    if (!summary || item.kind === 'start' || item.kind === 'full') {
      summary = {
        sectionId: item.sectionId,
        idstr: item.idstr,
        instanceId: item.instanceId,
        version: item.version,
        kinds: [],
        size: 0,
        decodedBy: item.idstr === 'ram' && item.kind !== 'full' ? 'ram' : 'opaque',
        subsections: item.idstr === 'ram' ? [] : undefined,
      };
      this.byId.set(item.sectionId, summary);
      this.s.sections.push(summary);
    }
    summary.kinds.push(item.kind);
    this.current = { summary, start: item.offset ?? 0 };
  }

  /** Held sections as the vmdesc that came last decoded them: what the file would have said. */
  resolveHeld(outcomes: readonly HeldResult[]): void {
    this.held.forEach((summary, i) => {
      const entry = outcomes[i]?.entry;
      if (!entry) return;
      const names: string[] = [];
      if ('vmsd_name' in entry) subsectionNames(entry as VmdescBody, names);
      summary.decodedBy = 'vmdesc';
      summary.subsections = names;
    });
  }

  finish(length: number): StreamSummary {
    const r = this.s.ram;
    const all = r.pages + r.zeroPages;
    r.zeroRatio = all === 0 ? 0 : r.zeroPages / all;
    this.s.length = length;
    return this.s;
  }
}

function describe(item: Extract<StreamItem, { type: 'device' }>): VmdescBody | undefined {
  try {
    return saveDescribed(item.desc, item.state as never).vmdesc;
  } catch {
    return undefined;
  }
}

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

function bytes(n: bigint | number): string {
  const v = Number(n);
  if (v >= 1 << 30) return `${(v / 2 ** 30).toFixed(1)} GiB`;
  if (v >= 1 << 20) return `${(v / 2 ** 20).toFixed(1)} MiB`;
  if (v >= 1 << 10) return `${(v / 2 ** 10).toFixed(1)} KiB`;
  return `${v} B`;
}

/** The summary as a human table. */
export function formatSummary(s: StreamSummary): string {
  const lines: string[] = [];
  lines.push(`machine type: ${s.machine ?? '(no configuration section: machine type 2.3 or older)'}`);
  if (s.capabilities.length > 0) lines.push(`capabilities: ${s.capabilities.join(', ')}`);
  lines.push(
    `stream: ${s.length} bytes; section footers: ${s.footers === undefined ? 'n/a' : s.footers ? 'yes' : 'no'}; vmdesc: ${s.vmdesc ? 'yes' : 'no'}`,
  );
  const r = s.ram;
  lines.push(
    `RAM: ${bytes(r.total)} in ${r.blocks.length} block(s); ${r.pages} data page(s) and ${r.zeroPages} zero page(s) sent, zero-page ratio ${(r.zeroRatio * 100).toFixed(1)}%`,
  );
  for (const b of r.blocks) lines.push(`  ${b.name}  ${bytes(b.length)} (0x${b.length.toString(16)})`);
  if (s.commands.length > 0) lines.push(`commands: ${s.commands.join(', ')}`);
  const rows = s.sections.map((x) => [
    String(x.sectionId),
    x.idstr,
    String(x.instanceId),
    String(x.version),
    String(x.size),
    x.decodedBy,
    x.subsections === undefined ? '?' : x.subsections.join(', ') || '-',
  ]);
  const head = ['id', 'idstr', 'instance', 'version', 'size', 'decoded by', 'subsections'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  const right = [true, false, true, true, true, false, false];
  const fmt = (row: string[]) =>
    row
      .map((c, i) => (i === row.length - 1 ? c : pad(c, widths[i] as number, right[i])))
      .join('  ')
      .trimEnd();
  lines.push('', fmt(head), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt));
  const opaque = s.sections.filter((x) => x.decodedBy === 'opaque').length;
  if (opaque > 0) {
    lines.push(
      '',
      `${opaque} section(s) not decoded (no description and no vmdesc): carried as opaque bytes, their ends found by ${s.footers ? 'their footers' : 'looking for the next plausible section header'}.`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The summary as plain JSON data (bigints as "0x…" strings). */
export function printableSummary(s: StreamSummary): unknown {
  return JSON.parse(
    JSON.stringify(s, (_k, v: unknown) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v)),
  ) as unknown;
}
