import type { CheckField } from './model.js';
import { fixedBytes, leavesOf, sameLeaves, sameShape } from './shape.js';

/** One step of lining up the sender's fields with the receiver's, in wire order. */
export type Step =
  /** Same name on both sides (the shapes may still differ). */
  | { readonly kind: 'match'; readonly s: CheckField; readonly r: CheckField }
  /** Different names, same type and size, neither name known to the other side. */
  | { readonly kind: 'rename'; readonly s: CheckField; readonly r: CheckField }
  /** Padding on one side, fields of the same total size on the other. */
  | {
      readonly kind: 'cover';
      readonly padOn: 'sender' | 'receiver';
      readonly pad: CheckField;
      readonly run: readonly CheckField[];
    }
  /** A struct on one side, the same leaf elements as a run of fields on the other. */
  | {
      readonly kind: 'regroup';
      readonly structOn: 'sender' | 'receiver';
      readonly struct: CheckField;
      readonly run: readonly CheckField[];
    }
  | { readonly kind: 'sender-only'; readonly s: CheckField }
  | { readonly kind: 'receiver-only'; readonly r: CheckField };

// Costs (doubled to stay integral): a name match is free, a structural explanation is cheap, a
// rename costs more than a name match, a changed field more than a rename, and an unmatched
// field the most, so the alignment explains as much as it can before calling a field new.
const SAME = 0;
const STRUCTURAL = 1;
const RENAME_COST = 2;
const CHANGED = 3;
const UNMATCHED = 4;

/** Interchangeable in place: same shape, and on the wire under the same condition. */
function sameSlot(a: CheckField, b: CheckField): boolean {
  return a.conditional === b.conditional && sameShape(a, b);
}

type Counts = ReadonlyMap<string, number>;

function counts(fields: readonly CheckField[]): Counts {
  const out = new Map<string, number>();
  for (const f of fields) out.set(f.name, (out.get(f.name) ?? 0) + 1);
  return out;
}

/**
 * A field may have been renamed from `from` to `to` only if `from` lost occurrences and `to`
 * gained some: a name that is as present on both sides has moved, not been renamed.
 */
function renameable(from: string, to: string, s: Counts, r: Counts): boolean {
  return (r.get(from) ?? 0) < (s.get(from) ?? 0) && (s.get(to) ?? 0) < (r.get(to) ?? 0);
}

/** Ends of runs whose fixed bytes add up to exactly the padding's (padding stands for several fields). */
function coverRuns(pad: CheckField, others: readonly CheckField[], from: number): number[] {
  const target = fixedBytes(pad);
  const ends: number[] = [];
  if (target === undefined) return ends;
  let sum = 0;
  for (let k = from; k < others.length; k++) {
    const o = others[k] as CheckField;
    const n = o.unused ? undefined : fixedBytes(o);
    if (n === undefined) break;
    // A dump before QEMU 8.1 records no count: the field may be the array that fills the rest.
    const rest = target - sum;
    if (
      o.count === undefined &&
      o.countsRecorded === false &&
      pad.countsRecorded === true &&
      o.size > 0 &&
      rest > n &&
      rest % o.size === 0
    ) {
      ends.push(k + 1);
    }
    sum += n;
    if (sum === target) ends.push(k + 1);
    if (sum >= target) break;
  }
  return ends;
}

/** Ends of runs whose leaves equal the struct's leaves (fields moved into or out of a struct). */
function regroupRuns(struct: CheckField, others: readonly CheckField[], from: number): number[] {
  const target = struct.struct ? leavesOf(struct) : undefined;
  const ends: number[] = [];
  if (target === undefined || target.length === 0) return ends;
  const acc: CheckField[] = [];
  for (let k = from; k < others.length; k++) {
    const leaves = leavesOf(others[k] as CheckField);
    if (leaves === undefined) break;
    acc.push(...leaves);
    if (acc.length > target.length || !sameLeaves(acc, target.slice(0, acc.length))) break;
    if (acc.length === target.length) {
      // One struct for another is a rename (or a match), not a regrouping.
      if (k > from || !others[k]?.struct) ends.push(k + 1);
      break;
    }
  }
  return ends;
}

// Move kinds, stored per cell of the table (no objects per cell: lists reach 70 fields).
const MATCH = 1;
const RENAME = 2;
const COVER_S = 3;
const COVER_R = 4;
const GROUP_S = 5;
const GROUP_R = 6;
const SENDER_ONLY = 7;
const RECEIVER_ONLY = 8;

/** The best move out of each cell (i, j): its kind and how many fields it takes from each side. */
interface Moves {
  readonly width: number;
  readonly kind: Uint8Array;
  readonly di: Uint16Array;
  readonly dj: Uint16Array;
}

/** Least-cost moves from every cell to the end, by dynamic programming from the end backwards. */
function bestMoves(s: readonly CheckField[], r: readonly CheckField[]): Moves {
  const n = s.length;
  const m = r.length;
  const sNames = counts(s);
  const rNames = counts(r);
  const width = m + 1;
  const size = (n + 1) * width;
  const best = new Float64Array(size).fill(Number.POSITIVE_INFINITY);
  const kind = new Uint8Array(size);
  const di = new Uint16Array(size);
  const dj = new Uint16Array(size);
  best[size - 1] = 0;
  // The cell being filled; `offer` keeps the cheapest move into it (one closure for the table).
  let i = 0;
  let j = 0;
  let here = 0;
  let low = Number.POSITIVE_INFINITY;
  const offer = (cost: number, k: number, a: number, b: number) => {
    const total = cost + (best[(i + a) * width + j + b] as number);
    if (total < low) {
      low = total;
      kind[here] = k;
      di[here] = a;
      dj[here] = b;
    }
  };
  for (i = n; i >= 0; i--) {
    for (j = m; j >= 0; j--) {
      here = i * width + j;
      if (i === n && j === m) continue;
      low = Number.POSITIVE_INFINITY;
      const x = s[i];
      const y = r[j];
      if (x && y) {
        if (x.name === y.name) offer(sameSlot(x, y) ? SAME : CHANGED, MATCH, 1, 1);
        else if (renameable(x.name, y.name, sNames, rNames) && sameShape(x, y))
          offer(RENAME_COST, RENAME, 1, 1);
        if (x.unused && !y.unused)
          for (const end of coverRuns(x, r, j)) offer(STRUCTURAL, COVER_S, 1, end - j);
        if (y.unused && !x.unused)
          for (const end of coverRuns(y, s, i)) offer(STRUCTURAL, COVER_R, end - i, 1);
        if (x.struct && !(y.struct && y.name === x.name)) {
          for (const end of regroupRuns(x, r, j)) offer(STRUCTURAL, GROUP_S, 1, end - j);
        }
        if (y.struct && !(x.struct && x.name === y.name)) {
          for (const end of regroupRuns(y, s, i)) offer(STRUCTURAL, GROUP_R, end - i, 1);
        }
      }
      if (x) offer(UNMATCHED, SENDER_ONLY, 1, 0);
      if (y) offer(UNMATCHED, RECEIVER_ONLY, 0, 1);
      best[here] = low;
    }
  }
  return { width, kind, di, dj };
}

/** The step a move out of cell (i, j) stands for. */
function stepOf(
  move: number,
  s: readonly CheckField[],
  r: readonly CheckField[],
  i: number,
  j: number,
  a: number,
  b: number,
): Step {
  const x = s[i] as CheckField;
  const y = r[j] as CheckField;
  switch (move) {
    case MATCH:
      return { kind: 'match', s: x, r: y };
    case RENAME:
      return { kind: 'rename', s: x, r: y };
    case COVER_S:
      return { kind: 'cover', padOn: 'sender', pad: x, run: r.slice(j, j + b) };
    case COVER_R:
      return { kind: 'cover', padOn: 'receiver', pad: y, run: s.slice(i, i + a) };
    case GROUP_S:
      return { kind: 'regroup', structOn: 'sender', struct: x, run: r.slice(j, j + b) };
    case GROUP_R:
      return { kind: 'regroup', structOn: 'receiver', struct: y, run: s.slice(i, i + a) };
    case SENDER_ONLY:
      return { kind: 'sender-only', s: x };
    default:
      return { kind: 'receiver-only', r: y };
  }
}

/** Least-cost alignment of the middle part (after trimming equal ends): the best moves from the start. */
function alignMiddle(s: readonly CheckField[], r: readonly CheckField[]): Step[] {
  const moves = bestMoves(s, r);
  const steps: Step[] = [];
  let i = 0;
  let j = 0;
  while (i < s.length || j < r.length) {
    const here = i * moves.width + j;
    const a = moves.di[here] as number;
    const b = moves.dj[here] as number;
    steps.push(stepOf(moves.kind[here] as number, s, r, i, j, a, b));
    i += a;
    j += b;
  }
  return steps;
}

/**
 * Lines up the fields the sender writes with those the receiver reads. The wire carries no names,
 * only order, so the alignment is by position first and names second: equal names match, a field
 * of the same type and size where the other side has an unknown name is a rename, padding may
 * stand for fields of the same total size, and a struct for the same fields inline. The rest is
 * unmatched (added, removed, or, when the name is on both sides, reordered).
 */
export function alignFields(s: readonly CheckField[], r: readonly CheckField[]): Step[] {
  // Equal ends (same name, same shape) are matched outright: cheap, and always part of a best alignment.
  const same = (a: CheckField | undefined, b: CheckField | undefined) =>
    a !== undefined && b !== undefined && a.name === b.name && sameSlot(a, b);
  let head = 0;
  while (head < s.length && head < r.length && same(s[head], r[head])) head++;
  let tail = 0;
  while (
    tail < s.length - head &&
    tail < r.length - head &&
    same(s[s.length - 1 - tail], r[r.length - 1 - tail])
  ) {
    tail++;
  }
  const steps: Step[] = [];
  for (let k = 0; k < head; k++) steps.push({ kind: 'match', s: s[k] as CheckField, r: r[k] as CheckField });
  steps.push(...alignMiddle(s.slice(head, s.length - tail), r.slice(head, r.length - tail)));
  for (let k = tail; k > 0; k--) {
    steps.push({ kind: 'match', s: s[s.length - k] as CheckField, r: r[r.length - k] as CheckField });
  }
  return steps;
}
