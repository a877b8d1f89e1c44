import { initial, load, save } from '../../codec/index.js';
import type { MigrationContext, Vmsd } from '../../describe/index.js';
import { MigrationError } from '../../errors/index.js';
import type { StreamItem } from '../read/items.js';
import { descriptionLookup, readStream } from '../read/reader.js';
import type { StreamSource } from '../read/source.js';
import { type StreamSink, writeStream } from '../write/writer.js';
import {
  type Adjustment,
  type ConvertOptions,
  type ConvertReport,
  decide,
  type Loss,
  passProgress,
  sectionLabel,
  sizeOf,
} from './report.js';

/** How a release lists a section (the lab's `SectionSpec` fits): a description, or one with its identity. */
export type SectionSpecLike =
  | Vmsd
  | { readonly idstr?: string; readonly instanceId?: number; readonly vmsd: Vmsd };

export interface DescriptionConversion {
  /** The descriptions the stream was written with. */
  readonly from: readonly SectionSpecLike[];
  /** The receiver's descriptions. */
  readonly to: readonly SectionSpecLike[];
  /** Machine type context of the sender (its predicates decided what the stream holds). */
  readonly fromCtx?: MigrationContext;
  /** Machine type context of the receiver: its `needed` and "exists if" predicates are evaluated. */
  readonly toCtx?: MigrationContext;
}

type Obj = Record<string, unknown>;

function isPlain(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/** The target's state: its own defaults, overwritten by every value the source has for the same member. */
function carry(defaults: unknown, source: unknown): unknown {
  if (isPlain(defaults) && isPlain(source)) {
    const out: Obj = {};
    for (const k of Object.keys(defaults)) out[k] = k in source ? carry(defaults[k], source[k]) : defaults[k];
    // Members the target keeps nested (subsections built from a vmdesc) may be absent by default.
    for (const k of Object.keys(source)) if (!(k in out) && isPlain(source[k])) out[k] = source[k];
    return out;
  }
  if (Array.isArray(defaults) && Array.isArray(source) && defaults.length === source.length) {
    return defaults.map((d, i) => carry(d, source[i]));
  }
  return source === undefined ? defaults : source;
}

function same(a: unknown, b: unknown): boolean {
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.from(a).equals(Buffer.from(b));
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (isPlain(a) && isPlain(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => same(a[k], b[k]));
  }
  return a === b;
}

/**
 * Every leaf of `before` that `after` does not hold with the same value. A member the receiver
 * does not have at all is lost only when it differs from the sender's own default (a value
 * the sender would not even have sent, the prevalent value, is not state).
 */
function lostLeaves(
  before: unknown,
  after: unknown,
  defaults: unknown,
  path: string,
  out: { path: string; reason: string }[],
): void {
  if (isPlain(before)) {
    for (const k of Object.keys(before)) {
      const here = `${path}::${k}`;
      const d = isPlain(defaults) ? defaults[k] : undefined;
      if (!isPlain(after) || !(k in after)) {
        if (!same(before[k], d)) out.push({ path: here, reason: 'the receiver has no such member' });
      } else lostLeaves(before[k], after[k], d, here, out);
    }
    return;
  }
  if (!same(before, after))
    out.push({ path, reason: "the receiver's description does not carry this value" });
}

interface Plan {
  readonly drop: boolean;
  readonly desc?: Vmsd;
  readonly state?: Obj;
}

/**
 * Rewrites a stream written with one release's descriptions for another release: each section is
 * decoded with the sender's description, re-encoded with the receiver's (its version, its
 * `needed` and "exists if" predicates under the receiver's machine type), and decoded back with
 * it; any value that does not survive that trip is a loss, listed by path, and the conversion is
 * refused unless each is allowed.
 */
export async function convertWithDescriptions(
  source: StreamSource,
  conversion: DescriptionConversion,
  sink: StreamSink | undefined,
  options: ConvertOptions = {},
): Promise<ConvertReport> {
  const from = descriptionLookup(conversion.from);
  const to = descriptionLookup(conversion.to);
  const toCtx = conversion.toCtx ? { ctx: conversion.toCtx } : {};
  const losses: { path: string; kind: Loss['kind']; reason: string }[] = [];
  const adjustments: Adjustment[] = [];
  const impossible: Adjustment[] = [];
  const unchecked: string[] = [];
  const plans: Plan[] = [];
  const readOptions = { descriptions: from, ...(conversion.fromCtx ? { ctx: conversion.fromCtx } : {}) };
  const size = await sizeOf(source);
  let section: { idstr: string; instanceId: number; version: number } | undefined;
  // The plan needs device sections only: pages are counted in bulk, not made into items.
  const planOptions = { ...readOptions, ramPages: 'count' as const, ...passProgress(options, 0, size) };
  for await (const item of readStream(source, planOptions)) {
    if (item.type === 'section') section = item;
    if ((item.type !== 'device' && item.type !== 'opaque') || !section) continue;
    const path = sectionLabel(section.idstr, section.instanceId);
    if (item.type === 'opaque' || item.decodedBy !== 'description') {
      unchecked.push(path);
      plans.push({ drop: false });
      continue;
    }
    const target = to(section);
    if (!target) {
      losses.push({ path, kind: 'section', reason: 'the receiver has no description for this section' });
      plans.push({ drop: true });
      continue;
    }
    const state = carry(initial(target), item.state) as Obj;
    const sender = from(section) as Vmsd;
    try {
      const back = load(target, save(target, state as never, toCtx), { version: target.version, ...toCtx });
      const lost: { path: string; reason: string }[] = [];
      lostLeaves(item.state, back, initial(sender), path, lost);
      for (const l of lost) losses.push({ ...l, kind: 'field' });
    } catch (e) {
      if (!(e instanceof MigrationError)) throw e;
      impossible.push({ path, what: e.message });
    }
    if (target.version !== section.version) {
      adjustments.push({ path, what: `version ${section.version} written as ${target.version}` });
    }
    plans.push({ drop: false, desc: target, state });
  }
  const { losses: report, converted } = decide(losses, impossible, options.allowLoss);
  let bytes = 0;
  if (converted && sink)
    bytes = await writeStream(
      rewrite(source, { ...readOptions, ...passProgress(options, 1, size) }, plans),
      sink,
      toCtx,
    );
  return { converted, losses: report, adjustments, impossible, unchecked, bytes };
}

async function* rewrite(
  source: StreamSource,
  options: Parameters<typeof readStream>[1],
  plans: Plan[],
): AsyncGenerator<StreamItem> {
  let i = -1;
  let pending: Extract<StreamItem, { type: 'section' }> | undefined;
  let dropping = false;
  for await (const item of readStream(source, options)) {
    if (item.type === 'section' && item.kind === 'full') {
      pending = item;
      continue;
    }
    if (pending && (item.type === 'device' || item.type === 'opaque')) {
      const plan = plans[++i] as Plan;
      dropping = plan.drop;
      if (!dropping) {
        if (plan.desc && plan.state) {
          yield { ...pending, version: plan.desc.version };
          yield { type: 'device', decodedBy: 'description', desc: plan.desc, state: plan.state };
        } else {
          yield pending;
          yield item;
        }
      }
      pending = undefined;
      continue;
    }
    if (item.type === 'section-end' && dropping) {
      dropping = false;
      continue;
    }
    yield item;
  }
}
