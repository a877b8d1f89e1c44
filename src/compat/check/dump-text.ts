import { readFileSync } from 'node:fs';
import { fail } from '../../errors/index.js';
import { fromDumpJson, fromDumpVmstate } from './from-dump.js';
import type { DescriptionSet } from './model.js';

/** Whether an input names a `-dump-vmstate` JSON file (by its extension; anything else is a module). */
export function isJsonInput(path: string): boolean {
  return path.toLowerCase().endsWith('.json');
}

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
  // Whether the dump records element counts (QEMU 8.1+ writes "num" on fields) is read off the text
  // when it has no escapes: a key is then its raw text, and `"num"` before a colon can only be it.
  if (text.includes('\\')) return fromDumpVmstate(json, label);
  return fromDumpJson(json, label, 'qemu-dump', /"num"\s*:/.test(text));
}
