import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { readStream } from '../../src/stream/index.js';
import { captureOutput } from '../support/captured-output.js';

const VECTORS = 'test/vectors/qemu-7.2';

const io = captureOutput();

const tmp = () => mkdtempSync(join(tmpdir(), 'vmstate-stream-'));

describe('vmstate analyze', () => {
  it('prints exactly what analyze-migration.py -d state prints', async () => {
    expect(await main(['analyze', `${VECTORS}/pc-paused.mig`])).toBe(0);
    expect(io.out).toBe(readFileSync(`${VECTORS}/pc-paused.mig.state.json`, 'utf8'));
    expect(io.err).toBe('');
  });

  it('--desc prints exactly what analyze-migration.py -d desc prints', async () => {
    expect(await main(['analyze', '--desc', `${VECTORS}/pc-paused.mig`])).toBe(0);
    expect(io.out).toBe(readFileSync(`${VECTORS}/pc-paused.mig.desc.json`, 'utf8'));
  });

  it('reads a stream without vmdesc, says so, and --desc answers "no" with exit 1', async () => {
    expect(await main(['analyze', `${VECTORS}/i440fx-2.2.mig`])).toBe(0);
    expect(JSON.parse(io.out)['ram (2)']['section sizes']['pc.ram']).toBe('0x0000000002000000');
    expect(io.err).toMatch(/note: this stream has no vmdesc/);
    expect(io.err).toMatch(/26 device section\(s\) had no description/);
    io.out = '';
    expect(await main(['analyze', '--desc', `${VECTORS}/i440fx-2.2.mig`])).toBe(1);
    expect(io.out).toBe('');
  });

  it('--summary as a table and as --json', async () => {
    expect(await main(['analyze', '--summary', `${VECTORS}/q35-7.2.mig`])).toBe(0);
    expect(io.out).toContain('machine type: pc-q35-7.2');
    expect(io.out).toMatch(/0000:00:1f\.2\/ich9_ahci\s+0\s+\d+\s+\d+\s+vmdesc/);
    io.out = '';
    expect(await main(['analyze', '--summary', '--json', `${VECTORS}/q35-7.2.mig`])).toBe(0);
    const s = JSON.parse(io.out);
    expect(s.machine).toBe('pc-q35-7.2');
    expect(s.ram.total).toBe('0x2082000');
    expect(s.sections).toHaveLength(30);
  });

  it('--extract writes sparse RAM block files, state.json and desc.json', async () => {
    const dir = tmp();
    expect(await main(['analyze', '--extract', dir, `${VECTORS}/i440fx-7.2.mig`])).toBe(0);
    const ram = statSync(join(dir, 'pc.ram'));
    expect(ram.size).toBe(32 << 20);
    // Sparse: the untouched RAM of a VM that never ran takes (almost) no disk blocks.
    expect(ram.blocks * 512).toBeLessThan(1 << 20);
    expect(statSync(join(dir, 'rom@etc/acpi/tables')).size).toBe(0x20000);
    expect(readFileSync(join(dir, 'state.json'), 'utf8')).toBe(
      (await import('../../src/stream/index.js')).analysisText(
        (await (await import('../../src/stream/index.js')).analyzeStream(`${VECTORS}/i440fx-7.2.mig`)).state,
      ),
    );
    expect(JSON.parse(readFileSync(join(dir, 'desc.json'), 'utf8')).page_size).toBe(4096);
    expect(io.out.split('\n')).toContain(join(dir, 'pc.ram'));
  });

  it('--lossless, then assemble, gives the same bytes back', async () => {
    const dir = tmp();
    for (const name of ['i440fx-7.2-slirp.mig', 'i440fx-2.2.mig']) {
      io.out = '';
      expect(await main(['analyze', '--lossless', `${VECTORS}/${name}`])).toBe(0);
      writeFileSync(join(dir, 'doc.json'), io.out);
      expect(await main(['assemble', join(dir, 'doc.json'), '-o', join(dir, 'out.mig')])).toBe(0);
      expect(readFileSync(join(dir, 'out.mig')).equals(readFileSync(`${VECTORS}/${name}`))).toBe(true);
    }
  });

  it('assemble reads the layout analyze writes piece by piece: edits in place work, a broken item names its path', async () => {
    const dir = tmp();
    expect(await main(['analyze', '--lossless', `${VECTORS}/pc-paused.mig`])).toBe(0);
    const text = io.out;
    // An edit made in a text editor: pckbd's "mode" on its own line, the layout untouched.
    const doc = JSON.parse(text);
    const at = doc.items.findIndex((i: { section?: { idstr: string } }) => i.section?.idstr === 'pckbd');
    const mode = doc.items[at + 1].device.state.kbd.mode as number;
    const lines = text.split('\n');
    const line = lines.findIndex(
      (l, k) => k > lines.indexOf('    "idstr": "pckbd",') && l.includes('"mode": '),
    );
    lines[line] = (lines[line] as string).replace(`"mode": ${mode}`, `"mode": ${mode ^ 0x40}`);
    writeFileSync(join(dir, 'edited.json'), lines.join('\n'));
    io.out = '';
    expect(await main(['assemble', join(dir, 'edited.json'), '-o', join(dir, 'edited.mig'), '--json'])).toBe(
      0,
    );
    expect(JSON.parse(io.out)).toEqual({ output: join(dir, 'edited.mig'), bytes: 387381 });
    let kbd: { mode: number } | undefined;
    let inside = false;
    for await (const item of readStream(join(dir, 'edited.mig'))) {
      if (item.type === 'section') inside = item.idstr === 'pckbd';
      if (item.type === 'device' && inside) kbd = item.state.kbd as { mode: number };
    }
    expect(kbd?.mode).toBe(mode ^ 0x40);
    // The same document laid out otherwise (2-space indent) is parsed whole, with the same result.
    writeFileSync(join(dir, 'other.json'), JSON.stringify(JSON.parse(lines.join('\n')), null, 2));
    expect(await main(['assemble', join(dir, 'other.json'), '-o', join(dir, 'other.mig')])).toBe(0);
    expect(readFileSync(join(dir, 'other.mig')).equals(readFileSync(join(dir, 'edited.mig')))).toBe(true);
    // A broken item in our layout: rejected, naming it, and no output left behind.
    lines[line] = '     "mode": ,';
    writeFileSync(join(dir, 'broken.json'), lines.join('\n'));
    io.err = '';
    expect(await main(['assemble', join(dir, 'broken.json'), '-o', join(dir, 'broken.mig')])).toBe(3);
    expect(io.err).toMatch(new RegExp(`items\\[${at + 1}\\]: item ${at + 1} is not JSON`));
    expect(() => statSync(join(dir, 'broken.mig'))).toThrow();
  });

  it('reads stdin with -', async () => {
    const { Readable } = await import('node:stream');
    const stdin = Readable.from([readFileSync(`${VECTORS}/i440fx-2.3.mig`)]);
    vi.spyOn(process, 'stdin', 'get').mockReturnValue(stdin as never);
    expect(await main(['analyze', '--summary', '-'])).toBe(0);
    expect(io.out).toMatch(/section footers: no; vmdesc: yes/);
  });

  it('exit codes: 2 for an unreadable file, 3 for a rejected stream (naming offset and section)', async () => {
    expect(await main(['analyze', '/nonexistent/x.mig'])).toBe(2);
    expect(io.err).toMatch(/cannot read/);
    io.err = '';
    const dir = tmp();
    writeFileSync(join(dir, 'file'), '');
    expect(await main(['analyze', '--extract', join(dir, 'file', 'sub'), `${VECTORS}/pc-paused.mig`])).toBe(
      2,
    );
    expect(io.err).toMatch(/^error: cannot create .*(ENOTDIR|EEXIST)/);
    io.err = '';
    const bytes = readFileSync(`${VECTORS}/i440fx-7.2.mig`);
    let at = -1;
    let inPckbd = false;
    for await (const item of readStream(`${VECTORS}/i440fx-7.2.mig`)) {
      if (item.type === 'section') inPckbd = item.idstr === 'pckbd';
      if (item.type === 'section-end' && inPckbd) at = item.offset ?? -1;
    }
    expect(bytes.subarray(at, at + 5).toString('hex')).toBe('7e00000019'); // pckbd is section 25 here
    bytes[at + 4] = 0x1d;
    writeFileSync(join(dir, 'bad.mig'), bytes);
    expect(await main(['analyze', join(dir, 'bad.mig')])).toBe(3);
    expect(io.err).toContain(
      `rejected: pckbd (0): section footer names section 29, expected 25 at byte ${at + 1}`,
    );
    expect(await main(['analyze', '--desc', '--summary', join(dir, 'bad.mig')])).toBe(2);
  });

  it('assemble: exit 2 for non-JSON, 3 for a document that does not fit, and no file is left behind', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'x.json'), '{not json');
    expect(await main(['assemble', join(dir, 'x.json'), '-o', join(dir, 'x.mig')])).toBe(2);
    writeFileSync(
      join(dir, 'y.json'),
      JSON.stringify({
        format: 'vmstate-lossless/1',
        pageSize: 4096,
        items: [{ header: { version: 3 } }, { end: { id: 1 } }],
      }),
    );
    expect(await main(['assemble', join(dir, 'y.json'), '-o', join(dir, 'y.mig')])).toBe(3);
    expect(io.err).toMatch(/items\[1\] › end › footer: expected true or false/);
    expect(() => statSync(join(dir, 'y.mig'))).toThrow();
  });
});
