/** Small deterministic helpers: a seeded PRNG whose state is one number, and FNV-1a hashing. */

/** mulberry32: the whole generator state is `state`, so a copy of it replays the same numbers. */
export function nextRandom(holder: { rng: number }): number {
  holder.rng = (holder.rng + 0x6d2b79f5) | 0;
  let t = holder.rng;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** An integer in [lo, hi]. */
export function randomInt(holder: { rng: number }, lo: number, hi: number): number {
  return lo + Math.floor(nextRandom(holder) * (hi - lo + 1));
}

export function chance(holder: { rng: number }, p: number): boolean {
  return nextRandom(holder) < p;
}

export function fnv1a(bytes: ArrayLike<number>, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < bytes.length; i++) {
    h ^= (bytes[i] as number) & 0xff;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function fnv1aString(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

export function hex2(n: number): string {
  return (n & 0xff).toString(16).padStart(2, '0');
}
