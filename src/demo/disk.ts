import { SECTOR } from './constants.js';
import { fnv1a, nextRandom } from './hash.js';

/** 1.44 MB 3½" geometry: 80 cylinders, 2 heads, 18 sectors of 512 bytes. */
export const Geometry = { TRACKS: 80, HEADS: 2, SECTORS: 18 } as const;
export const DISK_SECTORS = Geometry.TRACKS * Geometry.HEADS * Geometry.SECTORS;
/** The FDC's data-rate code for this medium (500 kbit/s). */
export const MEDIA_RATE_500K = 0;

export function lbaOf(track: number, head: number, sect: number): number {
  return (track * Geometry.HEADS + head) * Geometry.SECTORS + sect - 1;
}

export function chsOf(lba: number): { track: number; head: number; sect: number } {
  const track = Math.floor(lba / (Geometry.HEADS * Geometry.SECTORS));
  const head = Math.floor(lba / Geometry.SECTORS) % Geometry.HEADS;
  return { track, head, sect: (lba % Geometry.SECTORS) + 1 };
}

/**
 * A 1.44 MB floppy image: every sector starts with content derived from (seed, drive, lba), and
 * writes go to an overlay, so copies are cheap and two images compare by their overlays. Written
 * sectors are never mutated in place (a write replaces the array), so copies may share them.
 */
export class DiskImage {
  readonly #written: Map<number, Uint8Array>;
  readonly #hashes: Map<number, number>;
  /** A hash of the overlay that does not depend on the order of writes. */
  #digest: number;

  constructor(
    readonly seed: number,
    readonly drive: number,
    from?: DiskImage,
  ) {
    this.#written = from ? new Map(from.#written) : new Map();
    this.#hashes = from ? new Map(from.#hashes) : new Map();
    this.#digest = from ? from.#digest : 0;
  }

  clone(): DiskImage {
    return new DiskImage(this.seed, this.drive, this);
  }

  /** The sector as it was formatted: pseudo-random bytes, the same for every run with this seed. */
  static pristine(seed: number, drive: number, lba: number): Uint8Array {
    const holder = { rng: (seed * 2654435761 + drive * 40503 + lba * 97) | 0 };
    const out = new Uint8Array(SECTOR);
    for (let i = 0; i < SECTOR; i += 4) {
      const v = Math.floor(nextRandom(holder) * 4294967296);
      out[i] = v & 0xff;
      out[i + 1] = (v >>> 8) & 0xff;
      out[i + 2] = (v >>> 16) & 0xff;
      out[i + 3] = v >>> 24;
    }
    return out;
  }

  /** The sector's bytes (do not modify them). */
  read(lba: number): Uint8Array {
    return this.#written.get(lba) ?? DiskImage.pristine(this.seed, this.drive, lba);
  }

  write(lba: number, data: Uint8Array): void {
    const copy = data.slice(0, SECTOR);
    const h = (fnv1a(copy, Math.imul(lba + 1, 0x9e3779b1)) * 2654435761) >>> 0;
    this.#digest = (this.#digest - (this.#hashes.get(lba) ?? 0) + h) >>> 0;
    this.#hashes.set(lba, h);
    this.#written.set(lba, copy);
  }

  get digest(): number {
    return this.#digest;
  }

  /** Sectors written so far (some may hold their pristine content again). */
  get writtenSectors(): number[] {
    return [...this.#written.keys()].sort((a, b) => a - b);
  }

  /** Sectors whose content differs between the two images. */
  static differences(a: DiskImage, b: DiskImage): number[] {
    const lbas = new Set([...a.#written.keys(), ...b.#written.keys()]);
    const out: number[] = [];
    for (const lba of lbas) {
      const x = a.read(lba);
      const y = b.read(lba);
      if (x.length !== y.length || x.some((v, i) => v !== y[i])) out.push(lba);
    }
    return out.sort((p, q) => p - q);
  }

  /** The whole image (1,474,560 bytes). */
  bytes(): Uint8Array {
    const out = new Uint8Array(DISK_SECTORS * SECTOR);
    for (let lba = 0; lba < DISK_SECTORS; lba++) out.set(this.read(lba), lba * SECTOR);
    return out;
  }
}
