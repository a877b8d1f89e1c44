import { readFileSync } from 'node:fs';
import { fail } from '../../errors/index.js';
import { fromDumpJson } from './from-dump.js';
import type { DescriptionSet } from './model.js';

/**
 * A `-dump-vmstate` JSON file as text, read once (synchronously: one open, one read, no thread
 * pool hop); an unreadable file is a `MigrationError` `other` naming it.
 */
export function readDumpText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    return fail('other', `cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`, {
      details: { file },
    });
  }
}

/**
 * Whether the dump records element counts: some object has the key "num" (QEMU 8.1+ writes it on
 * fields). Decided on the text when it has no escapes (then a key is its raw text, and `"num"`
 * followed by a colon can only be that key); otherwise on the parsed value, as fromDumpVmstate does.
 */
function recordsCounts(text: string, json: unknown): boolean {
  if (text.includes('\\')) return JSON.stringify(json).includes('"num":');
  return /"num"\s*:/.test(text);
}

/** A `-dump-vmstate` file's text in the checker's model; `file` names it in errors, `label` in reports. */
export function dumpSetFromText(text: string, file: string, label: string): DescriptionSet {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return fail('invalid-description', `${file} is not JSON: ${e instanceof Error ? e.message : String(e)}`, {
      details: { file },
    });
  }
  // QEMU always writes vmschkmachine: a file with neither it nor a section is some other JSON.
  if (typeof json === 'object' && json !== null && Object.keys(json).length === 0) {
    return fail(
      'invalid-description',
      `${file} is not a -dump-vmstate file: no "vmschkmachine" and no sections`,
    );
  }
  return fromDumpJson(json, label, 'qemu-dump', recordsCounts(text, json));
}
