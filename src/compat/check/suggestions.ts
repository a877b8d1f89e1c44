/**
 * What to do about each kind of finding. Written from the sender's side ("the sender" is the
 * source going forward, the destination going backward); the texts name the usual QEMU remedies.
 */

export const suggest = {
  unknownSection: (key: string) =>
    `Keep a description for "${key}" on the receiving side (it may load and drop the state), or make ` +
    'the sender not send it: a top-level `needed` predicate, or a machine-type property that leaves the device out.',
  sectionRenamed: () =>
    'Nothing to do if only the type name changed: the stream identifies the section by its description name.',
  versionTooNew: (sent: number, max: number) =>
    `The receiver loads versions up to ${max} but gets ${sent}. Either teach the receiver version ${sent}, ` +
    `or keep the sender at version ${max} and move the new state into a subsection with a \`needed\` ` +
    'predicate (sent only when the state is off its prevalent value, or tie it to a machine-type property ' +
    'with `dependsOn` so older machine types never send it).',
  versionTooOld: (sent: number, min: number) =>
    `Lower the receiver's minimumVersion from ${min} to ${sent} or below and keep loading the old layout (gate the ` +
    'newer fields with `since`), or declare the old sender unsupported.',
  nestedVersion: () =>
    'A nested description carries no version on the wire: each side reads it at its own version, so ' +
    'what matters is the field layout (see the findings inside it). Keep `since` gates consistent, or use a ' +
    'subsection for new state.',
  descriptionRenamed: () =>
    "Keep the old name: QEMU builds the section's id and its subsections' names from it, so the receiver " +
    'looks for the old one.',
  nestedRenamed: () =>
    'Nothing to do for the fields; subsections carry the name as a prefix, so keep theirs.',
  fieldAdded: (name: string, version: number) =>
    `Do not add "${name}" to the main field list unconditionally: move it into a subsection with a ` +
    '`needed` predicate (sent only off its prevalent value; `dependsOn` a machine-type property to keep ' +
    `older machine types at the old layout), or give it \`since: ${version + 1}\` and bump the version ` +
    '(which refuses rollback).',
  fieldSinceTooNew: (name: string) =>
    `The receiver's version predates "${name}". Send it in a subsection with a \`needed\` predicate instead ` +
    'of behind a version bump, or tie the new layout to a machine type the receiver does not run.',
  fieldRemoved: (name: string) =>
    `Keep "${name}" where it was in the destination's field list: as \`unused(n)\` padding of the same size ` +
    'if its value is no longer needed, so the bytes still line up both ways.',
  fieldDefaulted: (name: string) =>
    `Make sure the receiver's own value for "${name}" (reset value or preLoad) is right for a sender ` +
    'that predates it.',
  fieldVersionChanged: () =>
    'Give the field the same `since` on both sides: it decides whether the bytes are on the wire.',
  fieldVersionInfo: () => 'Nothing to do for this pair; keep `since` unchanged once released.',
  fieldConditionChanged: () =>
    'Both sides must decide the same way whether the field is on the wire: use the same `existsIf` ' +
    '(reading only state both sides have, or machine-type properties).',
  fieldRenamed: () =>
    'Nothing to do for the wire. If the meaning changed as well as the name, treat it as a new field (subsection or version bump).',
  fieldReordered: () =>
    'Restore the original order: the wire carries no names, only order, so every field after the move is misread.',
  fieldResized: (name: string) =>
    `Keep "${name}" at its old size and count on the wire; send the extra part as a new field in a ` +
    'subsection with a `needed` predicate, converting in preSave/postLoad.',
  fieldRetyped: (name: string) =>
    `Keep the wire type of "${name}" and convert in preSave/postLoad, or add the new form as a new field ` +
    'in a subsection.',
  fieldsRegrouped: () => 'Nothing to do: a nested struct has no framing, so the bytes are the same.',
  unusedCovered: () =>
    'Nothing to do if zero is a correct value for these fields: an old sender writes zeros in the padding.',
  unusedDropped: () =>
    'The receiver discards these bytes as padding: make sure losing those values is acceptable, or gate them ' +
    'behind a machine type or subsection the receiver knows.',
  unusedSizeChanged: () =>
    'Padding must keep covering the same bytes: when fields take over padding, shrink the padding by exactly ' +
    'their size, and never change its size otherwise.',
  unknownSubsection: (name: string) =>
    `Make "${name}"'s \`needed\` predicate false in every state the older side must accept (send only off ` +
    'the prevalent value), and tie it to a machine-type property via `dependsOn` so machine types the ' +
    'receiver supports never send it.',
  subsectionDefaulted: (name: string) =>
    `Check that the receiver defaults the state of "${name}" correctly when it does not arrive (preLoad or ` +
    'reset value, fixed up in postLoad): it must equal what a sender without it implies.',
  machineTypeDiffers: () =>
    'Compare dumps taken with the same machine type from the two builds: QEMU migrates only between equal ' +
    'machine types, and -dump-vmstate does not apply their compat properties.',
} as const;
