import { SUBSECTION_MARKER } from '../../codec/index.js';
import { fail } from '../../errors/index.js';
import type { Writer } from '../../wire/index.js';
import type { ConfigSubsection, ConfigurationItem } from './items.js';
import type { ByteSource } from './source.js';

/** QEMU_VM_CONFIGURATION (spec §5). */
export const CONFIGURATION_MARKER = 0x07;
const PARENT = 'configuration';
const PATH = ['configuration'];
/** A machine type name longer than this is refused before it is buffered. */
const MAX_NAME = 4096;
/** More validated capabilities than this are refused (QEMU has two). */
const MAX_CAPABILITIES = 1024;

/** The configuration subsections QEMU knows, in the order it sends them. */
export const CONFIG_SUBSECTIONS = [
  'configuration/target-page-bits',
  'configuration/capabilities',
  'configuration/uuid',
] as const;

/** Reads the configuration section; the source is positioned at its 0x07 byte. */
export async function readConfiguration(src: ByteSource): Promise<ConfigurationItem> {
  const offset = src.offset;
  await src.need(5, PATH, 'the configuration section');
  src.u8();
  const len = src.u32();
  if (len > MAX_NAME) {
    fail('bound-exceeded', `machine type name of ${len} bytes (limit ${MAX_NAME})`, {
      offset: offset + 1,
      path: PATH,
      details: { length: len, max: MAX_NAME },
    });
  }
  await src.need(len, PATH, 'the machine type name');
  let machine = '';
  for (let i = 0; i < len; i++) machine += String.fromCharCode(src.u8());
  const subsections: ConfigSubsection[] = [];
  // The subsection loop of spec §9.2 with the parent name "configuration".
  for (;;) {
    await src.fill(2 + 255);
    if (src.peek(0) !== SUBSECTION_MARKER) break;
    const n = src.peek(1);
    if (n === undefined || n < PARENT.length + 1 || src.available < 2 + n) break;
    let name = '';
    for (let i = 0; i < n; i++) name += String.fromCharCode(src.peek(2 + i) as number);
    if (!name.startsWith(PARENT)) break;
    const at = src.offset;
    if (!(CONFIG_SUBSECTIONS as readonly string[]).includes(name)) {
      fail('unknown-subsection', `configuration subsection "${name}" is not known`, {
        offset: at,
        path: [...PATH, name],
        details: { subsection: name, parent: PARENT },
      });
    }
    src.pos += 2 + n;
    const path = [...PATH, name];
    await src.need(4, path, 'a subsection header');
    const version = src.u32();
    if (version > 1) {
      fail('version-too-new', `${name}: version ${version}, known up to 1`, {
        offset: at + 2 + n,
        path,
        details: { received: version, max: 1 },
      });
    }
    if (name === 'configuration/target-page-bits') {
      await src.need(4, path, name);
      subsections.push({ name, version, targetPageBits: src.u32() });
    } else if (name === 'configuration/uuid') {
      await src.need(16, path, name);
      subsections.push({ name, version, uuid: src.take(16) });
    } else {
      await src.need(4, path, name);
      const countAt = src.offset;
      const count = src.u32();
      if (count > MAX_CAPABILITIES) {
        fail('bound-exceeded', `${count} capabilities (limit ${MAX_CAPABILITIES})`, {
          offset: countAt,
          path,
          details: { count, max: MAX_CAPABILITIES },
        });
      }
      const capabilities: string[] = [];
      for (let i = 0; i < count; i++) {
        await src.need(1, [...path, i], 'a capability name');
        await src.need(1 + (src.peek(0) as number), [...path, i], 'a capability name');
        capabilities.push(src.str8());
      }
      subsections.push({ name: 'configuration/capabilities', version, capabilities });
    }
  }
  return { type: 'configuration', offset, machine, subsections };
}

/** Writes a configuration section exactly as QEMU does. */
export function writeConfiguration(w: Writer, item: ConfigurationItem): void {
  w.u8(CONFIGURATION_MARKER);
  w.u32(item.machine.length);
  for (let i = 0; i < item.machine.length; i++) w.u8(item.machine.charCodeAt(i) & 0xff);
  for (const s of item.subsections) {
    w.u8(SUBSECTION_MARKER);
    w.str8(s.name);
    w.u32(s.version);
    if (s.name === 'configuration/target-page-bits') w.u32(s.targetPageBits);
    else if (s.name === 'configuration/uuid') {
      if (s.uuid.length !== 16) fail('invalid-value', 'a UUID has 16 bytes', { path: [...PATH, s.name] });
      w.bytes(s.uuid);
    } else {
      w.u32(s.capabilities.length);
      for (const c of s.capabilities) w.str8(c);
    }
  }
}

/** The validated capabilities the configuration names (empty when it has none). */
export function capabilitiesOf(item: ConfigurationItem | undefined): readonly string[] {
  const caps = item?.subsections.find((s) => s.name === 'configuration/capabilities');
  return caps && 'capabilities' in caps ? caps.capabilities : [];
}
