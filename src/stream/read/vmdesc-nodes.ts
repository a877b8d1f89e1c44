import { rememberNodes, type VmdescBody, type VmdescNode } from '../../codec/index.js';
import { fail } from '../../errors/index.js';

/**
 * QEMU writes every element of a qtailq, qlist or gtree field into the one field object, so the
 * vmdesc repeats `vmsd_name`/`version`/`fields`/`subsections` there (spec §13.2); JSON.parse keeps
 * only the last of each. This parser gives exactly JSON.parse's result and also records, beside
 * each such field object (rememberNodes), the body of every element in order, so a list or tree
 * can be decoded element by element with the sizes QEMU wrote.
 */

/** Nesting beyond this is refused (the vmdesc checker has its own, lower, limit). */
const MAX_DEPTH = 256;
const COLLECTION_TYPE = /"type":\s*"(?:qtailq|qlist|gtree)"/;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** True when the text has a list or tree field, so the slower parse is worth it. */
export function hasCollections(text: string): boolean {
  return COLLECTION_TYPE.test(text);
}

class Parser {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly offset: number,
  ) {}

  private bad(what: string): never {
    return fail('invalid-description', `the vmdesc is not JSON: ${what} at character ${this.pos}`, {
      offset: this.offset,
      path: ['vmdesc'],
    });
  }

  private space(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
      this.pos++;
    }
  }

  document(): Json {
    const v = this.value(0);
    this.space();
    if (this.pos !== this.text.length) this.bad('text after the value');
    return v;
  }

  private value(depth: number): Json {
    if (depth > MAX_DEPTH) this.bad('nesting too deep');
    this.space();
    const c = this.text[this.pos];
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') return this.string();
    const m = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(
      this.text.slice(this.pos, this.pos + 64),
    );
    if (!m) return this.bad('unexpected character');
    this.pos += m[0].length;
    return JSON.parse(m[0]) as Json;
  }

  private string(): string {
    const t = this.text;
    let i = this.pos + 1;
    for (;;) {
      const j = t.indexOf('"', i);
      if (j < 0) return this.bad('unterminated string');
      let backslashes = 0;
      for (let k = j - 1; t[k] === '\\'; k--) backslashes++;
      i = j + 1;
      if (backslashes % 2 === 0) break;
    }
    const literal = t.slice(this.pos, i);
    this.pos = i;
    try {
      return JSON.parse(literal) as string;
    } catch {
      return this.bad('bad string');
    }
  }

  private expect(c: string): void {
    this.space();
    if (this.text[this.pos] !== c) this.bad(`expected "${c}"`);
    this.pos++;
  }

  private array(depth: number): Json[] {
    this.pos++;
    const out: Json[] = [];
    this.space();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.value(depth + 1));
      this.space();
      if (this.text[this.pos] === ']') {
        this.pos++;
        return out;
      }
      this.expect(',');
    }
  }

  private object(depth: number): { [k: string]: Json } {
    this.pos++;
    const out: { [k: string]: Json } = {};
    // The bodies written into this object, in order: each starts at a "vmsd_name".
    let bodies: Record<string, Json>[] | undefined;
    this.space();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.space();
      if (this.text[this.pos] !== '"') this.bad('expected a member name');
      const key = this.string();
      this.expect(':');
      const v = this.value(depth + 1);
      // As JSON.parse: a repeated key keeps its first position and takes the last value.
      Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
      if (key === 'vmsd_name') {
        bodies ??= [];
        bodies.push({});
      }
      const body = bodies?.at(-1);
      if (body && (key === 'vmsd_name' || key === 'version' || key === 'fields' || key === 'subsections'))
        body[key] = v;
      this.space();
      if (this.text[this.pos] === '}') {
        this.pos++;
        break;
      }
      this.expect(',');
    }
    const type = out.type;
    if (bodies && (type === 'qtailq' || type === 'qlist' || type === 'gtree')) {
      rememberNodes(out, bodies.map((b) => ({ value: b as unknown as VmdescBody })) as VmdescNode[]);
    }
    return out;
  }
}

/**
 * Parses vmdesc text as JSON.parse does; a field of a list or tree type also gets the body of
 * each element QEMU wrote into it (as nodes with `value` only: telling a tree's keys from its
 * values needs the field's size, see vmdesc.ts). Throws `invalid-description` for bad JSON.
 */
export function parseVmdescKeepingElements(text: string, offset: number): unknown {
  return new Parser(text, offset).document();
}
