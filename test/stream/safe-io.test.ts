/**
 * Issue 13, item by item: never lose a file, never call a partial result whole. Each test names
 * the item it holds to; together they failed on the code before the fix.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { bool, field, uint8, vmsd } from '../../src/describe/index.js';
import {
  analyzeStream,
  descriptionLookup,
  encodeStream,
  itemsFromLossless,
  losslessChunks,
  readStream,
  type StreamItem,
} from '../../src/stream/index.js';
import { captureOutput } from '../support/captured-output.js';

const VECTORS = 'test/vectors/qemu-7.2';
const DUMP = `${VECTORS}/dump-pc-i440fx-7.2.json`;
const CLI = ['--import', 'tsx', 'src/cli/bin.ts'];

const io = captureOutput();

const tmp = () => mkdtempSync(join(tmpdir(), 'vmstate-safeio-'));
const bytesOf = (path: string) => readFileSync(path);
const stdinFrom = (data: Buffer | string) =>
  vi.spyOn(process, 'stdin', 'get').mockReturnValue(Readable.from([Buffer.from(data)]) as never);
/** Only the files a test put there: no temporary file is left behind either. */
const listing = (dir: string) => readdirSync(dir).sort();

describe('1, 2: outputs never replace an input, and a failed run leaves the destination as it was', () => {
  it('convert and assemble refuse an output that is their input (same inode, by any name)', async () => {
    const dir = tmp();
    const mig = join(dir, 's.mig');
    writeFileSync(mig, bytesOf(`${VECTORS}/i440fx-7.2.mig`));
    expect(await main(['convert', mig, '--to', DUMP, '-o', mig])).toBe(2);
    expect(io.err).toMatch(/same file as the input/);
    linkSync(mig, join(dir, 'other-name.mig'));
    expect(await main(['convert', mig, '--to', DUMP, '-o', join(dir, 'other-name.mig')])).toBe(2);
    expect(bytesOf(mig).equals(bytesOf(`${VECTORS}/i440fx-7.2.mig`))).toBe(true);

    expect(await main(['analyze', '--lossless', mig])).toBe(0);
    writeFileSync(join(dir, 'x.json'), io.out);
    expect(await main(['assemble', join(dir, 'x.json'), '-o', join(dir, 'x.json')])).toBe(2);
    expect(readFileSync(join(dir, 'x.json'), 'utf8')).toBe(io.out);
    expect(listing(dir)).toEqual(['other-name.mig', 's.mig', 'x.json']);
  });

  it('a refused convert, a rejected stream, an unreadable --to: the existing output is untouched', async () => {
    const dir = tmp();
    const dest = join(dir, 'out.mig');
    writeFileSync(dest, 'precious');
    // Refused: QEMU 10.0's LTIM guest sends i8259/ltim, which 7.2 refuses (no --allow-loss).
    writeFileSync(
      join(dir, 'ltim.mig'),
      gunzipSync(readFileSync('test/vectors/qemu-10.0/ltim-pc-i440fx-7.2.mig.gz')),
    );
    expect(await main(['convert', join(dir, 'ltim.mig'), '--to', DUMP, '-o', dest])).toBe(1);
    expect(readFileSync(dest, 'utf8')).toBe('precious');
    // Rejected: a stream cut short.
    writeFileSync(join(dir, 'cut.mig'), bytesOf(`${VECTORS}/i440fx-7.2.mig`).subarray(0, 300000));
    expect(await main(['convert', join(dir, 'cut.mig'), '--to', DUMP, '-o', dest])).toBe(3);
    expect(readFileSync(dest, 'utf8')).toBe('precious');
    // 12: an unreadable --to is a usage error (exit 2), and nothing is written.
    expect(
      await main(['convert', `${VECTORS}/i440fx-7.2.mig`, '--to', join(dir, 'missing.json'), '-o', dest]),
    ).toBe(2);
    expect(readFileSync(dest, 'utf8')).toBe('precious');
    // assemble of a rejected document.
    writeFileSync(
      join(dir, 'bad.json'),
      JSON.stringify({ format: 'vmstate-lossless/1', pageSize: 4096, items: [] }),
    );
    expect(await main(['assemble', join(dir, 'bad.json'), '-o', dest])).toBe(3);
    expect(readFileSync(dest, 'utf8')).toBe('precious');
    expect(listing(dir)).toEqual(['bad.json', 'cut.mig', 'ltim.mig', 'out.mig']);
  });
});

describe('3: kill -9 during a write leaves the destination as it was', () => {
  it('assemble of a big stream killed half-way', async () => {
    const dir = tmp();
    // A 96 MiB guest as a lossless document (written by the CLI, as a user would).
    const gen = spawnSync(
      'bash',
      [
        '-c',
        `node --import tsx test/stream/synthetic.ts 96 | node ${CLI.join(' ')} analyze --lossless - > ${join(dir, 'big.json')}`,
      ],
      { encoding: 'utf8' },
    );
    expect(gen.status, gen.stderr).toBe(0);
    const dest = join(dir, 'dest.mig');
    writeFileSync(dest, 'the previous stream');
    const child = spawn('node', [...CLI, 'assemble', join(dir, 'big.json'), '-o', dest], { stdio: 'ignore' });
    // Wait until the temporary file beside the destination has grown, then kill.
    let temp: string | undefined;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      temp = readdirSync(dir).find((f) => f.startsWith('.dest.mig.tmp-'));
      if (temp && statSync(join(dir, temp)).size > 8 << 20) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(temp, 'the write never started').toBeDefined();
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    expect(readFileSync(dest, 'utf8')).toBe('the previous stream');
  }, 120_000);
});

describe('4, 5: a partial document or stream is never whole', () => {
  it('assemble refuses a lossless document cut at an item boundary (head -n 24)', async () => {
    const dir = tmp();
    expect(await main(['analyze', '--lossless', `${VECTORS}/i440fx-7.2.mig`])).toBe(0);
    const lines = io.out.split('\n');
    const boundary = lines.findIndex((l, k) => k > 20 && l === '  },');
    writeFileSync(join(dir, 'cut.json'), `${lines.slice(0, boundary + 1).join('\n')}\n`);
    expect(await main(['assemble', join(dir, 'cut.json'), '-o', join(dir, 'out.mig')])).toBe(3);
    expect(io.err).toMatch(/cut short|not whole/);
    expect(existsSync(join(dir, 'out.mig'))).toBe(false);
    // The same cut, closed as JSON (a document that simply stops): no "eof" item, refused.
    const doc = JSON.parse(io.out);
    doc.items = doc.items.slice(0, 10);
    writeFileSync(join(dir, 'short.json'), JSON.stringify(doc));
    io.err = '';
    expect(await main(['assemble', join(dir, 'short.json'), '-o', join(dir, 'out.mig')])).toBe(3);
    expect(io.err).toMatch(/without its "eof" item/);
  });

  it('a stream without vmdesc cut before its EOF byte is rejected; --lossless ends with a marker assemble refuses', async () => {
    const dir = tmp();
    const full = bytesOf(`${VECTORS}/i440fx-2.2.mig`);
    for (const cut of [full.length - 1, full.length - 50, full.length - 120, full.length - 2000]) {
      writeFileSync(join(dir, 'cut.mig'), full.subarray(0, cut));
      expect(await main(['analyze', '--summary', join(dir, 'cut.mig')]), `cut at ${cut}`).toBe(3);
    }
    io.out = '';
    expect(await main(['analyze', '--lossless', join(dir, 'cut.mig')])).toBe(3);
    const doc = JSON.parse(io.out);
    expect(doc.items.at(-1).rejected).toMatchObject({ code: 'truncated' });
    expect(doc.items.some((i: object) => 'eof' in i)).toBe(false);
    writeFileSync(join(dir, 'partial.json'), io.out);
    io.err = '';
    expect(await main(['assemble', join(dir, 'partial.json'), '-o', join(dir, 'x.mig')])).toBe(3);
    expect(io.err).toMatch(/rejected here, so it is not whole/);
    expect(existsSync(join(dir, 'x.mig'))).toBe(false);
  });
});

describe('6, 8: --extract builds a new directory and swaps it in; RAM bounds hold before any file', () => {
  it('a stream rejected half-way leaves an earlier extraction as it was, and no new directory', async () => {
    const dir = tmp();
    const ex = join(dir, 'ex');
    expect(await main(['analyze', '--extract', ex, `${VECTORS}/i440fx-7.2.mig`])).toBe(0);
    const before = listing(ex);
    const state = readFileSync(join(ex, 'state.json'), 'utf8');
    writeFileSync(join(dir, 'cut.mig'), bytesOf(`${VECTORS}/q35-7.2.mig`).subarray(0, 200000));
    expect(await main(['analyze', '--extract', ex, join(dir, 'cut.mig')])).toBe(3);
    expect(listing(ex)).toEqual(before);
    expect(readFileSync(join(ex, 'state.json'), 'utf8')).toBe(state);
    expect(await main(['analyze', '--extract', join(dir, 'fresh'), join(dir, 'cut.mig')])).toBe(3);
    expect(listing(dir)).toEqual(['cut.mig', 'ex']);
    // A directory of someone else's files is never replaced; nor one holding the input.
    mkdirSync(join(dir, 'mine'));
    writeFileSync(join(dir, 'mine', 'notes.txt'), 'keep');
    expect(await main(['analyze', '--extract', join(dir, 'mine'), `${VECTORS}/i440fx-7.2.mig`])).toBe(2);
    expect(await main(['analyze', '--extract', dir, join(dir, 'cut.mig')])).toBe(2);
    expect(readFileSync(join(dir, 'mine', 'notes.txt'), 'utf8')).toBe('keep');
  });

  it('a block list claiming 16 TiB is a MigrationError before any file is created', async () => {
    const dir = tmp();
    const bytes = Buffer.from(bytesOf(`${VECTORS}/i440fx-7.2.mig`));
    let memSize = -1;
    for await (const item of readStream(`${VECTORS}/i440fx-7.2.mig`)) {
      if (item.type === 'ram-blocks') {
        memSize = item.offset ?? -1;
        break;
      }
    }
    // The total, and the first block's length, made 16 TiB.
    bytes.writeBigUInt64BE((16n << 40n) | BigInt(bytes.readUInt32BE(memSize + 4) & 0xfff), memSize);
    writeFileSync(join(dir, 'huge.mig'), bytes);
    expect(await main(['analyze', '--extract', join(dir, 'ex'), join(dir, 'huge.mig')])).toBe(3);
    expect(io.err).toMatch(/bound-exceeded/);
    expect(listing(dir)).toEqual(['huge.mig']);
    // Through a pipe (size unknown), the declared limit still holds.
    io.err = '';
    stdinFrom(bytes);
    expect(await main(['analyze', '--extract', join(dir, 'ex'), '-'])).toBe(3);
    expect(io.err).toMatch(/more than the limit/);
    expect(listing(dir)).toEqual(['huge.mig']);
  });
});

describe('7: lossless is byte-identical for every accepted stream', () => {
  const roundTrip = async (bytes: Uint8Array, options = {}) => {
    const a = await analyzeStream(bytes, { lossless: true, ...options });
    const text = [...losslessChunks(a.lossless as NonNullable<typeof a.lossless>)].join('');
    return Buffer.from(encodeStream(itemsFromLossless(JSON.parse(text), options)));
  };

  it('a bool byte other than 0 or 1 comes back as it was', async () => {
    const dev = vmsd('booldev', { version: 1, fields: [field('flag', bool), field('n', uint8)] });
    const items: StreamItem[] = [
      { type: 'header', version: 3 },
      { type: 'section', kind: 'full', sectionId: 3, idstr: 'booldev', instanceId: 0, version: 1 },
      { type: 'device', decodedBy: 'description', desc: dev, state: { flag: true, n: 7 } },
      { type: 'section-end', sectionId: 3, footer: true },
      { type: 'eof' },
    ];
    const bytes = encodeStream(items);
    const at = Buffer.from(bytes).indexOf(Buffer.from([1, 7, 0x7e]));
    bytes[at] = 2;
    const descriptions = descriptionLookup([dev]);
    expect((await roundTrip(bytes, { descriptions })).equals(Buffer.from(bytes))).toBe(true);
  });

  it('a vmdesc with invalid UTF-8, or edited to valid but different text, comes back as it was', async () => {
    const base = bytesOf(`${VECTORS}/i440fx-7.2.mig`);
    const at = base.lastIndexOf(Buffer.from('{"page_size"'));
    const utf8 = Buffer.from(base);
    utf8[at + 20] = 0xff;
    expect((await roundTrip(utf8)).equals(utf8)).toBe(true);
    const edited = Buffer.from(base);
    const size = edited.indexOf(Buffer.from('"size": 4'), at);
    edited[size + 8] = 0x38; // a field's size 4 → 8: valid JSON that no longer fits its section
    expect((await roundTrip(edited)).equals(edited)).toBe(true);
    const spaced = Buffer.from(base);
    spaced[at + 12] = 0x20; // ':' → ' ': not JSON at all
    expect((await roundTrip(spaced)).equals(spaced)).toBe(true);
  });
});

describe('9: deeply nested descriptions: a clear error or an answer, never a stack overflow', () => {
  const nested = (depth: number) => {
    let s =
      '{"name":"leaf","version_id":1,"minimum_version_id":1,"Fields":[{"field":"x","version_id":0,"field_exists":false,"size":1}]}';
    for (let i = 0; i < depth; i++) {
      s = `{"name":"s${i}","version_id":1,"minimum_version_id":1,"Fields":[{"field":"f${i}","version_id":0,"field_exists":false,"size":1,"Description":${s}}]}`;
    }
    return `{"vmschkmachine":{"Name":"pc-i440fx-7.2"},"dev":{"Name":"dev","version_id":1,"minimum_version_id":1,"Description":${s}}}`;
  };

  it('1,000 levels are checked; 20,000 are refused with exit 2, naming the depth', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'a.json'), nested(1000));
    expect(await main(['check', join(dir, 'a.json'), join(dir, 'a.json')])).toBe(0);
    writeFileSync(join(dir, 'b.json'), nested(20000));
    expect(await main(['check', join(dir, 'b.json'), join(dir, 'b.json')])).toBe(2);
    expect(io.err).toMatch(/nested \d+ levels deep/);
  });
});

describe('10: a closed pipe ends output quietly, on every command and on --help', () => {
  const piped = (command: string) =>
    spawnSync('bash', ['-c', `node ${CLI.join(' ')} ${command} | true; echo "exit=\${PIPESTATUS[0]}" >&2`], {
      encoding: 'utf8',
    });

  it.each([
    ['analyze --help'],
    ['--help'],
    [`analyze ${VECTORS}/i440fx-7.2.mig`],
    [`analyze --memory ${VECTORS}/i440fx-2.3.mig`],
    [`analyze --desc ${VECTORS}/i440fx-7.2.mig`],
    ['demo --json --no-html --steps 2 --rare 0 --sectors 5'],
    [`check ${DUMP} ${DUMP} --json`],
    [`dump test/check/fixtures/releases.ts#1.0`],
  ])(
    'vmstate %s | true',
    (command) => {
      const r = piped(command);
      expect(r.stderr).not.toMatch(/EPIPE|Error|at /);
      expect(r.stderr).toMatch(/exit=0/);
    },
    60_000,
  );
});

describe('11: - is stdin for every input and stdout for every -o', () => {
  it('analyze -, assemble - -o -, convert - -o -, check -', () => {
    const stream = bytesOf(`${VECTORS}/i440fx-7.2.mig`);
    const run = (args: string[], input: Buffer | string) =>
      spawnSync('node', [...CLI, ...args], { input, maxBuffer: 1 << 28 });
    const doc = run(['analyze', '--lossless', '-'], stream);
    expect(doc.status).toBe(0);
    const back = run(['assemble', '-', '-o', '-'], doc.stdout);
    expect(back.status, back.stderr.toString()).toBe(0);
    expect(back.stdout.equals(stream)).toBe(true);
    const converted = run(['convert', '-', '--to', DUMP, '-o', '-'], stream);
    expect(converted.status, converted.stderr.toString()).toBe(0);
    expect(converted.stdout.equals(stream)).toBe(true);
    expect(converted.stderr.toString()).toMatch(/converted/i);
    const check = run(['check', '-', DUMP], readFileSync(DUMP));
    expect(check.status, check.stderr.toString()).toBe(0);
    expect(existsSync('-')).toBe(false);
  }, 60_000);
});

describe('12: a damaged vmdesc is read around; messages name the real place of damage', () => {
  it('a vmdesc that is not JSON: sections read without it, a note, output produced', async () => {
    const dir = tmp();
    const bytes = Buffer.from(bytesOf(`${VECTORS}/i440fx-7.2.mig`));
    bytes[bytes.lastIndexOf(Buffer.from('{"page_size"')) + 1] = 0x7b;
    writeFileSync(join(dir, 'd.mig'), bytes);
    expect(await main(['analyze', join(dir, 'd.mig')])).toBe(0);
    expect(io.err).toMatch(/vmdesc is damaged \(the vmdesc is not JSON/);
    expect(Object.keys(JSON.parse(io.out)).some((k) => k.startsWith('fdc ('))).toBe(true);
  });

  it('a flipped subsection marker in a complete file is a footer problem at that byte, not "truncated"', async () => {
    const dir = tmp();
    const bytes = Buffer.from(bytesOf(`${VECTORS}/i440fx-7.2.mig`));
    const marker = bytes.indexOf(Buffer.from('\x05\x14cpu/poll_control_msr', 'latin1'));
    expect(marker).toBeGreaterThan(0);
    bytes[marker] = 0x04;
    writeFileSync(join(dir, 'f.mig'), bytes);
    expect(await main(['analyze', join(dir, 'f.mig')])).toBe(3);
    expect(io.err).not.toMatch(/truncated|input ends/);
    expect(io.err).toContain(`cpu (0): the section body ends here by its description`);
    expect(io.err).toContain(`at byte ${marker}`);
  });
});
