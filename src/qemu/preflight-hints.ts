/**
 * What a `-dump-vmstate` leaves open, answered by the vmdesc QEMU itself writes: element counts the
 * dump omits (QEMU dumps no `num` for byte buffers, and a VARRAY's count is state) are taken from
 * a real migration stream of the same QEMU version and machine type, by field name. The stream of
 * a small paused VM is enough: layouts come from the device types, and its vmdesc names them.
 */
import type { VmdescBody, VmdescField } from '../codec/index.js';
import type { CheckDescription, CheckField, CheckSection, DescriptionSet } from '../compat/index.js';
import type { Vmdesc } from '../stream/read/vmdesc.js';
import { wireName } from './preflight-vmdesc.js';

/** The vmdesc field for dump field `i` (QEMU names a repeated name `name[n]`, see `wireName`). */
function sentAs(
  vmdesc: readonly VmdescField[],
  fields: readonly CheckField[],
  i: number,
): VmdescField | undefined {
  const name = wireName(fields, i);
  return vmdesc.find((s) => s.name === name);
}

function hasBody(b: VmdescBody | undefined): b is VmdescBody {
  return b !== undefined && Array.isArray(b.fields);
}

function hintedField(f: CheckField, sent: VmdescField | undefined): CheckField {
  // A predicate usually follows the machine type: what the template VM sent is the first guess.
  if (f.conditional && f.existsUnderMachine === undefined)
    f = { ...f, existsUnderMachine: sent !== undefined };
  if (sent === undefined) return f;
  let out: CheckField = f;
  if (f.count === undefined && !f.conditional) {
    const count =
      sent.array_len ?? (f.struct === undefined && f.size === 1 && sent.size > 1 ? sent.size : undefined);
    if (count !== undefined) out = { ...out, count };
  }
  if (f.struct !== undefined && hasBody(sent.struct)) out = { ...out, struct: hinted(f.struct, sent.struct) };
  return out;
}

/** A description with the counts the sender's own vmdesc gives. */
export function hinted(desc: CheckDescription, body: VmdescBody): CheckDescription {
  return {
    ...desc,
    fields: desc.fields.map((f, i) => hintedField(f, sentAs(body.fields, desc.fields, i))),
    subsections: desc.subsections.map((s) => {
      const sent = body.subsections?.find((b) => b.vmsd_name === s.name);
      return sent === undefined ? s : { ...s, ...hinted(s, sent) };
    }),
  };
}

/** The source's dump with every section's counts hinted by the vmdesc of a real stream of it. */
export function hintedSet(source: DescriptionSet, vmdesc: Vmdesc): DescriptionSet {
  const byName = new Map<string, VmdescBody>();
  for (const d of vmdesc.devices)
    if ('vmsd_name' in d && !byName.has(d.vmsd_name)) byName.set(d.vmsd_name, d);
  const sections = new Map<string, CheckSection>();
  for (const [key, s] of source.sections) {
    const body = byName.get(s.description.name);
    sections.set(key, body === undefined ? s : { ...s, description: hinted(s.description, body) });
  }
  return { ...source, sections };
}
