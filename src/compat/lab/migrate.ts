import { initial, load, save, sectionNeeded } from '../../codec/index.js';
import type { MigrationContext } from '../../describe/index.js';
import { MigrationError, type PathSegment } from '../../errors/index.js';
import { type Difference, differences, type Shape, shapeOf } from './shape.js';
import type { ReleasedVersion, SectionEntry, VersionState } from './versions.js';

/**
 * How one migration ended:
 * - `ok`: it loaded, and every member both sides describe equals the source's;
 * - `refused`: a MigrationError stopped it (unknown subsection, version range, a check): safe;
 * - `unsafe`: it loaded, but a member both sides describe differs: silent corruption;
 * - `crash`: any other exception.
 */
export type Outcome = 'ok' | 'refused' | 'unsafe' | 'crash';

export const OUTCOMES: readonly Outcome[] = Object.freeze(['ok', 'refused', 'unsafe', 'crash']);

/** Where and why a migration did not end `ok`. */
export interface Failure {
  readonly outcome: Exclude<Outcome, 'ok'>;
  /**
   * The hop (0 = first source → destination) where it happened; for `round-trip`, the hop into the
   * first version that cannot represent the member (where the state was dropped), else the last.
   */
  readonly hop: number;
  /** `round-trip`: every hop was fine but the last destination differs from the first source. */
  readonly stage: 'save' | 'load' | 'compare' | 'round-trip';
  /** The MigrationError code, `difference` for unsafe, or the exception's name for a crash. */
  readonly code: string;
  readonly message: string;
  /** Section key first: the issue's path, or the member that differs. */
  readonly path: readonly PathSegment[];
  readonly expected?: unknown;
  readonly actual?: unknown;
  /**
   * For `unsafe`: every member (up to 20) that differs between the state sent and the state
   * received at the compared stage, sender's value first; `path`/`expected`/`actual` are the first.
   */
  readonly differences?: readonly Difference[];
}

export type MigrationResult = { readonly outcome: 'ok' } | Failure;

/** @internal The result of one hop; see {@link migrateAlong}'s `firstHops`. */
export interface Hop {
  /** The source state as it was sent (after its save hooks ran). */
  readonly sent: VersionState;
  readonly received: VersionState;
}

const OK: MigrationResult = Object.freeze({ outcome: 'ok' });

function thrown(e: unknown, hop: number, stage: Failure['stage'], section: string, name?: string): Failure {
  if (e instanceof MigrationError) {
    const issue = e.issues[0];
    const path = issue?.path ?? [];
    return {
      outcome: 'refused',
      hop,
      stage,
      code: e.code,
      message: issue?.message ?? e.message,
      // The codec names the description first: the section key already says it.
      path: [section, ...(path[0] === name ? path.slice(1) : path)],
    };
  }
  const err = e instanceof Error ? e : new Error(String(e));
  return { outcome: 'crash', hop, stage, code: err.name, message: err.message, path: [section] };
}

/** One hop: save every section the source sends, load each on the destination's fresh receiver. */
function hop(
  from: ReleasedVersion,
  to: ReleasedVersion,
  state: VersionState,
  ctx: MigrationContext,
  index: number,
): Hop | Failure {
  const sent: VersionState = {};
  const received: VersionState = {};
  const targets = new Map<string, SectionEntry>(to.sections.map((s) => [s.key, s]));
  for (const s of from.sections) {
    const own = structuredClone(state[s.key] ?? initial(s.vmsd)) as Record<string, unknown>;
    let bytes: Uint8Array | undefined;
    try {
      if (sectionNeeded(s.vmsd, own, ctx)) bytes = save(s.vmsd, own as never, { ctx });
    } catch (e) {
      return thrown(e, index, 'save', s.key, s.vmsd.name);
    }
    sent[s.key] = own;
    if (bytes === undefined) continue;
    const target = targets.get(s.key);
    if (!target) {
      return {
        outcome: 'refused',
        hop: index,
        stage: 'load',
        code: 'unknown-section',
        message: `section "${s.key}" is not known to ${to.name}`,
        path: [s.key],
      };
    }
    try {
      received[s.key] = load(target.vmsd, bytes, { version: s.vmsd.version, ctx }) as Record<string, unknown>;
    } catch (e) {
      return thrown(e, index, 'load', s.key, target.vmsd.name);
    }
  }
  // Sections that did not arrive keep the destination's reset state.
  for (const t of to.sections) received[t.key] ??= initial(t.vmsd) as Record<string, unknown>;
  return { sent, received };
}

/** Compares two whole states on the sections and members both versions describe. */
export function compareStates(
  a: ReleasedVersion,
  b: ReleasedVersion,
  sa: VersionState,
  sb: VersionState,
): { path: readonly PathSegment[]; expected: unknown; actual: unknown } | undefined {
  return differingMembers(a, b, sa, sb, 1)[0];
}

/** Up to `limit` members both versions describe that differ between two whole states. */
function differingMembers(
  a: ReleasedVersion,
  b: ReleasedVersion,
  sa: VersionState,
  sb: VersionState,
  limit: number,
): Difference[] {
  const other = new Map(b.sections.map((s) => [s.key, s]));
  const out: Difference[] = [];
  for (const s of a.sections) {
    const t = other.get(s.key);
    if (t) differences(shapeOf(s.vmsd), shapeOf(t.vmsd), sa[s.key], sb[s.key], limit, [s.key], out);
  }
  return out;
}

const DIFFERENCES_SHOWN = 20;

function unsafe(
  a: ReleasedVersion,
  b: ReleasedVersion,
  sa: VersionState,
  sb: VersionState,
  hopIndex: number,
  stage: Failure['stage'],
  what: string,
): Failure | undefined {
  const all = differingMembers(a, b, sa, sb, DIFFERENCES_SHOWN);
  const d = all[0];
  if (!d) return undefined;
  return {
    outcome: 'unsafe',
    hop: hopIndex,
    stage,
    code: 'difference',
    message: what,
    path: d.path,
    expected: d.expected,
    actual: d.actual,
    differences: all,
  };
}

/** Whether a version describes the member at `path` (section key first; numbers index arrays). */
function describes(version: ReleasedVersion, path: readonly PathSegment[]): boolean {
  const entry = version.sections.find((s) => s.key === path[0]);
  if (!entry) return false;
  let shape: Shape = shapeOf(entry.vmsd);
  for (const seg of path.slice(1)) {
    if (typeof seg === 'number') {
      if (shape.kind !== 'array') return false;
      shape = shape.element;
    } else {
      const next = shape.kind === 'struct' ? shape.members.get(seg) : undefined;
      if (!next) return false;
      shape = next;
    }
  }
  return true;
}

/** The hop into the first version of a route that has no member at `path`: where a round trip dropped it. */
function droppedAt(route: readonly ReleasedVersion[], path: readonly PathSegment[]): number {
  for (let i = 1; i < route.length; i++) if (!describes(route[i] as ReleasedVersion, path)) return i - 1;
  return route.length - 2;
}

/**
 * Migrates `state` (of `route[0]`) along `route` under one machine type: save, load on a fresh
 * receiver of the next version, save again from there, … Each hop is compared with its source, and
 * the last destination with the first source, on the members both describe.
 */
export function migrateAlong(
  route: readonly ReleasedVersion[],
  state: VersionState,
  ctx: MigrationContext,
  /** Reuses first hops of this same state and machine type across routes (the matrix passes one per state). */
  firstHops?: Map<ReleasedVersion, Hop | Failure>,
): MigrationResult {
  let current = state;
  let origin: VersionState | undefined;
  for (let i = 0; i + 1 < route.length; i++) {
    const from = route[i] as ReleasedVersion;
    const to = route[i + 1] as ReleasedVersion;
    let h: Hop | Failure | undefined = i === 0 ? firstHops?.get(to) : undefined;
    if (h === undefined) {
      try {
        h = hop(from, to, current, ctx, i);
      } catch (e) {
        h = thrown(e, i, 'compare', '');
      }
      if (i === 0) firstHops?.set(to, h);
    }
    if ('outcome' in h) return h;
    origin ??= h.sent;
    const u = unsafe(
      from,
      to,
      h.sent,
      h.received,
      i,
      'compare',
      `${to.name} loaded a different value than ${from.name} sent`,
    );
    if (u) return u;
    current = h.received;
  }
  const first = route[0] as ReleasedVersion;
  const last = route[route.length - 1] as ReleasedVersion;
  if (route.length > 2 && origin) {
    const via = route
      .slice(1, -1)
      .map((v) => v.name)
      .join(' → ');
    const u = unsafe(first, last, origin, current, 0, 'round-trip', `state lost on the way through ${via}`);
    if (u) return { ...u, hop: droppedAt(route, u.path) };
  }
  return OK;
}
