import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { StreamItem } from '../read/items.js';
import { readStream } from '../read/reader.js';
import type { VmdescEntry } from '../read/vmdesc.js';
import { encodeStream } from '../write/writer.js';
import { analysisText, analyzeStream } from './analyze.js';
import { renderDevice } from './analyze-state.js';
import { type PyValue, pyJson } from './pyjson.js';
import { formatSummary } from './summary.js';

const VECTORS = 'test/vectors/qemu-7.2';

describe("analyze-migration.py's output, byte for byte", () => {
  it('-d state on pc-paused.mig', async () => {
    const a = await analyzeStream(`${VECTORS}/pc-paused.mig`);
    expect(analysisText(a.state)).toBe(readFileSync(`${VECTORS}/pc-paused.mig.state.json`, 'utf8'));
    expect(a.notes).toEqual([]);
  });

  it('-d desc on pc-paused.mig', async () => {
    const a = await analyzeStream(`${VECTORS}/pc-paused.mig`);
    expect(a.vmdesc && analysisText(a.vmdesc.json)).toBe(
      readFileSync(`${VECTORS}/pc-paused.mig.desc.json`, 'utf8'),
    );
    // QEMU's compact vmdesc spacing is Python's json.dumps default.
    expect(a.vmdesc && pyJson(a.vmdesc.json)).toBe(a.vmdesc?.text);
  });
});

describe('value formatting (docs/internals/analyze-migration-output.md §2.3)', () => {
  const entry = (fields: VmdescEntry['fields'], subsections?: unknown): VmdescEntry =>
    ({
      name: 'd',
      instance_id: 0,
      vmsd_name: 'd',
      version: 1,
      fields,
      ...(subsections ? { subsections } : {}),
    }) as VmdescEntry;

  it('signedness follows the type name, including the "equal" quirks', () => {
    const e = entry([
      { name: 'a', type: 'uint8', size: 1 },
      { name: 'b', type: 'uint8 equal', size: 1 },
      { name: 'c', type: 'int32', size: 4 },
      { name: 'd', type: 'uint64', size: 8 },
      { name: 'e', type: 'int64', size: 8 },
      { name: 'f', type: 'int32 le', size: 4 },
      { name: 'g', type: 'bool', size: 1 },
      { name: 'h', type: 'timer', size: 8 },
      { name: 'i', type: 'buffer', size: 0 },
    ]);
    const bytes = Uint8Array.from([
      0xff,
      0xff,
      ...[0xff, 0xff, 0xff, 0xfe],
      ...new Array(8).fill(0xff),
      ...new Array(8).fill(0xff),
      ...[0, 0, 0, 2],
      7,
      ...new Array(8).fill(0xff),
    ]);
    expect(pyJson(renderDevice(e, bytes))).toBe(
      '{"a": "0xff", "b": "0xff (-1)", "c": "0xfffffffe (-2)", "d": "0xffffffffffffffff", ' +
        '"e": "0xffffffffffffffff (-1)", "f": "0x00000002", "g": true, "h": "ff ff ff ff ff ff ff ff", "i": ""}',
    );
  });

  it('arrays (array_len and index runs), structs and subsections keyed by their wire name', () => {
    const e = entry(
      [
        { name: 'r', array_len: 2, type: 'uint16', size: 2 },
        {
          name: 's',
          index: 0,
          type: 'struct',
          struct: { vmsd_name: 's', version: 0, fields: [{ name: 'x', type: 'uint8', size: 1 }] },
          size: 1,
        },
        {
          name: 's',
          index: 1,
          type: 'struct',
          struct: { vmsd_name: 's', version: 0, fields: [{ name: 'x', type: 'uint8', size: 1 }] },
          size: 1,
        },
      ],
      [{ vmsd_name: 'd/sub', version: 1, fields: [{ name: 'y', type: 'uint8', size: 1 }] }],
    );
    const bytes = Uint8Array.from([0, 1, 0, 2, 3, 4, 5, 5, ...Buffer.from('d/sub'), 0, 0, 0, 1, 9]);
    expect(pyJson(renderDevice(e, bytes))).toBe(
      '{"r": ["0x0001", "0x0002"], "s": [{"x": "0x03"}, {"x": "0x04"}], "d/sub": {"y": "0x09"}}',
    );
  });

  it('Python JSON escaping: non-ASCII and DEL as \\uXXXX, Map keys keep their order', () => {
    expect(
      pyJson(
        new Map<string, PyValue>([
          ['2', 'é\u007f'],
          ['1', ['a', new Map()]],
        ]),
        4,
      ),
    ).toBe('{\n    "2": "\\u00e9\\u007f",\n    "1": [\n        "a",\n        {}\n    ]\n}');
  });
});

describe('beyond analyze-migration.py', () => {
  it('--memory lists every page: zero pages as "Filled with 0x00", data pages as hex', async () => {
    const a = await analyzeStream(`${VECTORS}/i440fx-7.2.mig`, { memory: true });
    const ram = a.state.get('ram (2)') as Map<string, Map<string, string>>;
    const memory = ram.get('memory') as Map<string, string>;
    expect(memory.get('pc.ram (0x0000000000000000)')).toBe('Filled with 0x00');
    const pages = [...memory.values()].filter((v) => !v.startsWith('Filled'));
    expect(pages).toHaveLength(49);
    expect(pages.every((p) => p.length === 4096 * 3 - 1)).toBe(true);
    expect(memory.size).toBe(49 + 8273);
  });

  it('a stream without vmdesc (pc-i440fx-2.2): state with opaque sections, and it says so', async () => {
    const a = await analyzeStream(`${VECTORS}/i440fx-2.2.mig`);
    expect(a.vmdesc).toBeUndefined();
    expect(a.notes.join('\n')).toMatch(/no vmdesc/);
    expect(a.notes.join('\n')).toMatch(/26 device section\(s\) had no description/);
    expect(a.state.get('cpu_common (4)')).toEqual(new Map([['data', '00 00 00 00 00 00 00 10']]));
    expect(a.summary.sections.filter((s) => s.decodedBy === 'opaque')).toHaveLength(26);
  });

  it('a stream with configuration subsections (which the script refuses) and a command', async () => {
    const items: StreamItem[] = [];
    for await (const item of readStream(`${VECTORS}/i440fx-7.2.mig`)) {
      items.push(item.type === 'ram-page' ? { ...item, data: item.data.slice() } : item);
      if (item.type === 'configuration') {
        items[items.length - 1] = {
          ...item,
          subsections: [{ name: 'configuration/uuid', version: 1, uuid: new Uint8Array(16).fill(0x12) }],
        };
        items.push({ type: 'command', cmd: 11, data: new Uint8Array(0) });
      }
    }
    const a = await analyzeStream(encodeStream(items));
    const b = await analyzeStream(`${VECTORS}/i440fx-7.2.mig`);
    expect(analysisText(a.state)).toBe(analysisText(b.state));
    expect(a.summary.commands).toEqual(['SWITCHOVER_START']);
  });

  it('--summary: sections, subsections present, RAM size, zero-page ratio and machine type', async () => {
    const { summary } = await analyzeStream(`${VECTORS}/i440fx-7.2.mig`);
    expect(summary.machine).toBe('pc-i440fx-7.2');
    expect(summary.ram.total).toBe(0x2000000n + 0x20000n + 0x40000n + 0x20000n + 0x1000n + 0x1000n);
    expect(summary.ram.zeroRatio).toBeCloseTo(8273 / (8273 + 49), 10);
    const fdc = summary.sections.find((s) => s.idstr === 'fdc');
    expect(fdc).toMatchObject({
      instanceId: 0,
      version: 2,
      decodedBy: 'vmdesc',
      subsections: ['fdrive/media_rate'],
    });
    expect(summary.sections.reduce((n, s) => n + s.size, 0)).toBeLessThan(summary.length);
    const text = formatSummary(summary);
    expect(text).toContain('machine type: pc-i440fx-7.2');
    expect(text).toMatch(/zero-page ratio 99\.4%/);
    expect(text).toMatch(/fdc\s+0\s+2\s+615\s+vmdesc\s+fdrive\/media_rate/);
  });
});
