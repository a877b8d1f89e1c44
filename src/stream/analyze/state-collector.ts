import { saveDescribed } from '../../codec/index.js';
import type { MigrationContext } from '../../describe/index.js';
import type { StreamItem } from '../read/items.js';
import type { Vmdesc } from '../read/vmdesc.js';
import { hexBytes, RamRender, renderDevice } from './analyze-state.js';
import { HeldDevices, type HeldResult, heldUntilVmdesc } from './held-devices.js';
import { PageStore } from './page-store.js';
import type { PyValue } from './pyjson.js';

interface Entry {
  key: string;
  value: () => PyValue;
}

export interface StateOptions {
  /** Keep every page for `"memory"` (analyze-migration.py `-m`). */
  readonly memory: boolean;
  /** Hold device sections until the vmdesc at the end (a stream read from a pipe), up to this many bytes. */
  readonly hold: number | undefined | false;
  readonly ctx?: MigrationContext;
}

/**
 * The state `analyze-migration.py -d state` prints, collected item by item: one entry per
 * section in stream order, RAM as block sizes (and pages with `memory`), devices rendered from
 * their vmdesc entry, or held as bytes until a vmdesc that comes last is known.
 */
export class StateCollector {
  private readonly sections = new Map<number, Entry>();
  private readonly rams = new Map<number, RamRender>();
  private readonly held: HeldDevices | undefined;
  private heldResults: HeldResult[] = [];
  private current:
    | { id: number; idstr: string; instanceId: number; version: number; kind: string }
    | undefined;
  private ram: RamRender | undefined;
  pageSize: number | undefined;
  /** Device sections shown as opaque bytes, and whether any end was found heuristically. */
  opaque = 0;
  heuristic = false;
  vmdesc: { readonly text: string; readonly json: PyValue } | undefined;
  damaged: string | undefined;

  constructor(private readonly options: StateOptions) {
    this.held = options.hold === false ? undefined : new HeldDevices(options.hold);
  }

  add(item: StreamItem): void {
    switch (item.type) {
      case 'section':
        this.current = {
          id: item.sectionId,
          idstr: item.idstr,
          instanceId: item.instanceId,
          version: item.version,
          kind: item.kind,
        };
        if (item.idstr === 'ram' && item.kind !== 'full')
          this.ramSection(item.sectionId, item.kind, item.idstr);
        else if (item.kind === 'start' || item.kind === 'full') {
          this.ram = undefined;
          this.sections.set(item.sectionId, {
            key: `${item.idstr} (${item.sectionId})`,
            value: () => new Map(),
          });
        }
        break;
      case 'ram-blocks':
        for (const b of item.blocks) this.ram?.block(b.name, b.length);
        break;
      case 'ram-zero':
        this.ram?.zero(item.block, item.addr, item.fill);
        break;
      case 'ram-page':
        this.ram?.page(item.block, item.addr, item.data);
        break;
      case 'device':
        this.device(item);
        break;
      case 'opaque':
        this.opaqueBody(item);
        break;
      case 'section-end':
        this.current = undefined;
        break;
      case 'vmdesc':
        this.vmdescItem(item);
        break;
      default:
        break;
    }
  }

  private ramSection(id: number, kind: string, idstr: string): void {
    this.ram = kind === 'start' ? undefined : this.rams.get(id);
    if (!this.ram) {
      const r = new RamRender(this.options.memory ? new PageStore(this.pageSize ?? 4096) : undefined);
      this.rams.set(id, r);
      this.ram = r;
    }
    const r = this.ram;
    if (kind === 'start' || !this.sections.has(id)) {
      this.sections.set(id, { key: `${idstr} (${id})`, value: () => r.value() });
    }
  }

  private set(value: () => PyValue): void {
    const slot = this.current && this.sections.get(this.current.id);
    if (slot) slot.value = value;
  }

  private device(item: Extract<StreamItem, { type: 'device' }>): void {
    if (!this.current) return;
    const ctx = this.options.ctx;
    const entry = item.vmdesc ?? {
      name: this.current.idstr,
      instance_id: 0,
      ...saveDescribed(item.desc, item.state as never, ctx ? { ctx } : {}).vmdesc,
    };
    const value = renderDevice(entry, item.body ?? new Uint8Array(0), item.offset);
    this.set(() => value);
  }

  private opaqueBody(item: Extract<StreamItem, { type: 'opaque' }>): void {
    const c = this.current;
    if (!c) return;
    if (this.held && heldUntilVmdesc(item, c.kind)) {
      const at = this.held.hold({
        idstr: c.idstr,
        instanceId: c.instanceId,
        version: c.version,
        body: item.body,
        offset: item.offset ?? 0,
      });
      this.heuristic ||= item.boundary === 'heuristic';
      this.set(() => (this.heldResults[at] as HeldResult).value);
      return;
    }
    const value = item.vmdesc
      ? renderDevice(item.vmdesc, item.body, item.offset)
      : new Map<string, PyValue>([['data', hexBytes(item.body)]]);
    if (!item.vmdesc) {
      this.opaque++;
      this.heuristic ||= item.boundary === 'heuristic';
    }
    this.set(() => value);
  }

  private vmdescItem(item: Extract<StreamItem, { type: 'vmdesc' }>): void {
    if (item.damaged === undefined)
      this.vmdesc = { text: item.text, json: item.vmdesc as unknown as PyValue };
    else {
      this.damaged = item.damaged;
      // Still parsed (it only did not fit some sections): analyze-migration.py would print it.
      if (item.vmdesc.devices.length > 0)
        this.vmdesc = { text: item.text, json: item.vmdesc as unknown as PyValue };
    }
  }

  /** How each held section came out, in the order they were held (after `finish`). */
  get heldOutcomes(): readonly HeldResult[] {
    return this.heldResults;
  }

  /** The state, once the whole stream is read (held sections rendered with the vmdesc now known). */
  finish(): Map<string, PyValue> {
    if (this.held && this.held.size > 0) {
      const vmdesc = this.vmdesc ? (this.vmdesc.json as unknown as Vmdesc) : undefined;
      this.heldResults = this.held.resolve(vmdesc, this.options.ctx);
      for (const r of this.heldResults) if (r.opaque) this.opaque++;
    }
    const state = new Map<string, PyValue>();
    for (const e of this.sections.values()) state.set(e.key, e.value());
    return state;
  }
}
