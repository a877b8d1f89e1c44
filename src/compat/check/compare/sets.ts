import type { PathSegment } from '../../../errors/index.js';
import type { Direction, Finding } from '../finding.js';
import type { CheckSection, DescriptionSet } from '../model.js';
import { sameDescription } from '../shape.js';
import { framingOf } from '../stream/framing.js';
import { compareBody } from './body.js';
import { howSent, sendGate } from './how-sent.js';
import { checkVersion } from './version.js';
import { emit, type Walk } from './walk.js';

function compareSection(w: Walk, s: CheckSection, r: CheckSection, path: readonly PathSegment[]): void {
  const sd = s.description;
  const rd = r.description;
  const gate = sendGate(`section "${s.key}"`, s, w.machine);
  checkVersion(w, gate, path, `section "${s.key}"`, s.version, r, true);
  // QEMU dumps repeat the versions on the entry and its description; they are the same vmsd, so the
  // description is checked on its own only when the two disagree (hand-made dumps).
  const same = sd.version === s.version && rd.version === r.version && rd.minimumVersion === r.minimumVersion;
  if (!same) checkVersion(w, gate, [...path, sd.name], `description "${sd.name}"`, sd.version, rd, true);
  if (sd.name !== rd.name) {
    // QEMU builds a section's stream id from the description's name; ours carry the id as the key.
    const inId = !s.keyOnWire || !r.keyOnWire;
    emit(w, gate, 'sectionDescriptionRenamed', [...path, sd.name], {
      key: s.key,
      sender: sd.name,
      receiver: rd.name,
      inId,
    });
  }
  compareBody(w, gate, { sd, rd, vs: sd.version, vr: sd.version, recvVersion: rd.version }, [
    ...path,
    sd.name,
  ]);
}

/**
 * QEMU dump sections missing by key, paired with a receiver section of the same description name:
 * the stream's section id is built from that name, never from the device type, so a renamed or
 * other device type with that description receives it. An identical description is preferred.
 */
function renamedSections(send: DescriptionSet, recv: DescriptionSet): Map<string, CheckSection> {
  const byName = new Map<string, CheckSection[]>();
  for (const sec of recv.sections.values()) {
    if (sec.keyOnWire) continue; // our keys are stream ids: they cannot change unnoticed
    const list = byName.get(sec.description.name) ?? [];
    list.push(sec);
    byName.set(sec.description.name, list);
  }
  const out = new Map<string, CheckSection>();
  for (const sec of send.sections.values()) {
    if (recv.sections.has(sec.key) || sec.keyOnWire) continue;
    const candidates = byName.get(sec.description.name);
    if (!candidates) continue;
    const same = candidates.find(
      (c) => c.version === sec.version && sameDescription(c.description, sec.description),
    );
    out.set(sec.key, same ?? (candidates[0] as CheckSection));
  }
  return out;
}

/**
 * Two machine types, the way QEMU's loader treats them: from 2.4 on the stream starts with a
 * configuration section naming the sender's machine type and the receiver refuses any other
 * (`configuration_post_load`); types up to 2.3 send none and expect none (`hw_compat_2_3`).
 * Our machine registries model compat properties within one program: there the stream carries
 * what the descriptions decide under each machine type, checked section by section.
 */
function machineTypes(w: Walk, send: DescriptionSet, recv: DescriptionSet): void {
  const sender = send.machine;
  const receiver = recv.machine;
  if (sender === undefined || receiver === undefined || sender === receiver) return;
  const path = ['vmschkmachine'];
  if (send.origin !== 'qemu-dump' || recv.origin !== 'qemu-dump') {
    emit(w, undefined, 'machineTypeModelled', path, { sender, receiver });
    return;
  }
  const s = framingOf(sender).configuration;
  const r = framingOf(receiver).configuration;
  if (!s && !r) emit(w, undefined, 'machineTypeUnframed', path, { sender, receiver });
  else {
    const framing = s && r ? 'both' : s ? 'sender' : 'receiver';
    emit(w, undefined, 'machineTypeRefused', path, { sender, receiver, framing });
  }
}

/** A sender section the receiver has under no key. */
function missingSection(w: Walk, s: CheckSection, recv: DescriptionSet): void {
  const how = howSent(`section "${s.key}"`, s, w.machine);
  // A QEMU dump lists device classes that carry a vmsd; QEMU also registers state outside them
  // (7.2's dump has no "ide", yet 7.2 loads 10.0's piix3-ide section). Absent from the dump is
  // not proof of a refusal: either the receiver cannot have such a device (the VM cannot even
  // be started there) or it registers the state otherwise. `check STREAM DEST` decides.
  if (!s.keyOnWire && recv.origin === 'qemu-dump') {
    emit(w, undefined, 'sectionNotInDump', [s.key], { key: s.key, description: s.description.name, how });
  } else emit(w, undefined, 'unknownSection', [s.key], { key: s.key, how });
}

/** All findings of one direction: `send` writes the stream, `recv` loads it. */
export function compareSets(send: DescriptionSet, recv: DescriptionSet, direction: Direction): Finding[] {
  const w: Walk = {
    direction,
    send: direction === 'forward' ? 'source' : 'destination',
    recv: direction === 'forward' ? 'destination' : 'source',
    machine: send.machine,
    out: [],
  };
  machineTypes(w, send, recv);
  const renamed = renamedSections(send, recv);
  for (const s of send.sections.values()) {
    const r = recv.sections.get(s.key);
    const other = r ? undefined : renamed.get(s.key);
    if (other) {
      emit(w, undefined, 'sectionRenamed', [s.key], {
        key: s.key,
        other: other.key,
        description: s.description.name,
      });
    }
    const receiving = r ?? other;
    if (receiving) compareSection(w, s, receiving, [s.key]);
    else missingSection(w, s, recv);
  }
  return w.out;
}
