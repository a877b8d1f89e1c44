import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { type DescriptionSet, fromDumpVmstate } from '../../src/compat/index.js';

/** Real QEMU dumps and streams under test/vectors/qemu-<version>/ (gzipped, see the READMEs there). */
const ROOT = join(import.meta.dirname, '..', 'vectors');

export function vectorBytes(version: string, name: string): Uint8Array {
  const file = join(ROOT, `qemu-${version}`, name);
  const raw = readFileSync(file);
  return name.endsWith('.gz') ? gunzipSync(raw) : raw;
}

export function stream(version: string, name: string): Uint8Array {
  return vectorBytes(version, name.endsWith('.mig') ? `${name}.gz` : name);
}

const dumps = new Map<string, DescriptionSet>();

/** A real `-dump-vmstate` of that version for that machine type. */
export function dump(version: string, machine: string): DescriptionSet {
  const key = `${version}/${machine}`;
  let set = dumps.get(key);
  if (!set) {
    const text = Buffer.from(vectorBytes(version, `dump-${machine}.json.gz`)).toString('utf8');
    set = fromDumpVmstate(JSON.parse(text), `qemu-${version} ${machine}`);
    dumps.set(key, set);
  }
  return set;
}
