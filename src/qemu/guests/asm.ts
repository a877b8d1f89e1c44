/**
 * A tiny x86 real-mode assembler: just the instructions the boot-sector workloads use, each
 * emitted as the bytes the Intel manual gives, with labels for short (rel8) jumps. No guest OS
 * and no toolchain: the bytes are the program.
 */

/** Guest-physical address a workload writes DONE_MARKER to when it has reached its state. */
export const DONE_ADDRESS = 0x0500;
export const DONE_MARKER = 0xa5;

type Fixup = { at: number; label: string; kind: 'rel8' };

export class Asm {
  readonly #bytes: number[] = [];
  readonly #labels = new Map<string, number>();
  readonly #fixups: Fixup[] = [];

  /** Current offset from the start of the program. */
  get here(): number {
    return this.#bytes.length;
  }

  /** Raw bytes (checked to be bytes). */
  db(...bytes: number[]): this {
    for (const b of bytes) {
      if (!Number.isInteger(b) || b < 0 || b > 0xff) throw new Error(`not a byte: ${b}`);
      this.#bytes.push(b);
    }
    return this;
  }

  #imm16(v: number): number[] {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new Error(`not a 16-bit value: ${v}`);
    return [v & 0xff, v >> 8];
  }

  label(name: string): this {
    if (this.#labels.has(name)) throw new Error(`label ${name} defined twice`);
    this.#labels.set(name, this.here);
    return this;
  }

  cli(): this {
    return this.db(0xfa);
  }
  sti(): this {
    return this.db(0xfb);
  }
  hlt(): this {
    return this.db(0xf4);
  }
  /** `mov al, imm8` */
  movAl(v: number): this {
    return this.db(0xb0, v);
  }
  /** `mov ah, imm8` */
  movAh(v: number): this {
    return this.db(0xb4, v);
  }
  /** `mov ax, imm16` */
  movAx(v: number): this {
    return this.db(0xb8, ...this.#imm16(v));
  }
  /** `mov cx, imm16` */
  movCx(v: number): this {
    return this.db(0xb9, ...this.#imm16(v));
  }
  /** `mov dx, imm16` */
  movDx(v: number): this {
    return this.db(0xba, ...this.#imm16(v));
  }
  /** `mov bx, imm16` */
  movBx(v: number): this {
    return this.db(0xbb, ...this.#imm16(v));
  }
  /** `mov es, ax` */
  movEsAx(): this {
    return this.db(0x8e, 0xc0);
  }
  /** `mov byte [es:bx], al` */
  storeEsBxAl(): this {
    return this.db(0x26, 0x88, 0x07);
  }
  /** `mov dx, port; mov ax, v; out dx, ax` (16-bit I/O: Bochs VBE registers) */
  outDx16(port: number, ax: number): this {
    this.movDx(port);
    this.movAx(ax);
    return this.db(0xef);
  }
  /** `xor ax, ax; mov ds, ax` */
  zeroDs(): this {
    return this.db(0x31, 0xc0, 0x8e, 0xd8);
  }
  /** `mov byte [imm16], imm8` (DS-relative) */
  storeByte(addr: number, v: number): this {
    return this.db(0xc6, 0x06, ...this.#imm16(addr), v);
  }
  /**
   * The end of every workload but LTIM: writes DONE_MARKER at DONE_ADDRESS (so the lab knows the
   * state is reached without guessing a time), then halts with interrupts off, for good.
   */
  done(): this {
    this.zeroDs().storeByte(DONE_ADDRESS, DONE_MARKER).cli();
    this.label('halt_forever').hlt();
    return this.jmp('halt_forever');
  }
  /** `inc bx` */
  incBx(): this {
    return this.db(0x43);
  }
  /** `out imm8, al` */
  outImm(port: number, al?: number): this {
    if (al !== undefined) this.movAl(al);
    if (port > 0xff) throw new Error(`port ${port} needs outDx`);
    return this.db(0xe6, port);
  }
  /** `mov dx, port; [mov al, v;] out dx, al` */
  outDx(port: number, al?: number): this {
    this.movDx(port);
    if (al !== undefined) this.movAl(al);
    return this.db(0xee);
  }
  /** `mov dx, port; mov eax, v; out dx, eax` (32-bit I/O: PCI configuration) */
  outDx32(port: number, eax: number): this {
    this.movDx(port);
    const v = eax >>> 0;
    return this.db(0x66, 0xb8, v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24, 0x66, 0xef);
  }
  /** `mov dx, port; in eax, dx` (32-bit I/O: PCI configuration) */
  inDx32(port: number): this {
    this.movDx(port);
    return this.db(0x66, 0xed);
  }
  /** `and ax, imm16` */
  andAx(v: number): this {
    return this.db(0x25, ...this.#imm16(v));
  }
  /** `mov bx, ax` */
  movBxAx(): this {
    return this.db(0x89, 0xc3);
  }
  /** `mov dx, bx; add dx, off; mov al, v; out dx, al`: a register at an offset from the base in BX. */
  outBx(offset: number, al: number): this {
    this.db(0x89, 0xda); // mov dx, bx
    if (offset !== 0) this.db(0x83, 0xc2, offset); // add dx, imm8 (sign-extended: offset < 0x80)
    if (offset >= 0x80) throw new Error(`offset ${offset} too large for add dx, imm8`);
    return this.movAl(al).db(0xee);
  }
  /** `in al, imm8` */
  inImm(port: number): this {
    return this.db(0xe4, port);
  }
  /** `mov dx, port; in al, dx` */
  inDx(port: number): this {
    this.movDx(port);
    return this.db(0xec);
  }
  /** `mov dx, port; in ax, dx` */
  inDx16(port: number): this {
    this.movDx(port);
    return this.db(0xed);
  }
  /** `test al, imm8` */
  testAl(v: number): this {
    return this.db(0xa8, v);
  }
  /** `cmp al, imm8` */
  cmpAl(v: number): this {
    return this.db(0x3c, v);
  }
  /** `and al, imm8` */
  andAl(v: number): this {
    return this.db(0x24, v);
  }
  /** `int imm8` */
  int(n: number): this {
    return this.db(0xcd, n);
  }
  #jump(opcode: number, label: string): this {
    this.db(opcode, 0);
    this.#fixups.push({ at: this.here - 1, label, kind: 'rel8' });
    return this;
  }
  jmp(label: string): this {
    return this.#jump(0xeb, label);
  }
  jz(label: string): this {
    return this.#jump(0x74, label);
  }
  jnz(label: string): this {
    return this.#jump(0x75, label);
  }
  /** `loop label` (dec cx; jnz) */
  loop(label: string): this {
    return this.#jump(0xe2, label);
  }
  /** `jmp $`: spin here forever (interrupts as they are). */
  spin(): this {
    return this.db(0xeb, 0xfe);
  }
  /** Waits until `(in port) & mask` equals `want` (a busy loop, port ≤ 0xff or via dx). */
  waitFor(port: number, mask: number, want: number): this {
    const l = `wait${this.here}`;
    this.label(l);
    if (port > 0xff) this.inDx(port);
    else this.inImm(port);
    this.andAl(mask);
    this.cmpAl(want);
    return this.jnz(l);
  }

  /** The program's bytes, every label resolved. */
  bytes(): Uint8Array {
    const out = Uint8Array.from(this.#bytes);
    for (const f of this.#fixups) {
      const target = this.#labels.get(f.label);
      if (target === undefined) throw new Error(`undefined label ${f.label}`);
      const rel = target - (f.at + 1);
      if (rel < -128 || rel > 127) throw new Error(`jump to ${f.label} out of rel8 range (${rel})`);
      out[f.at] = rel & 0xff;
    }
    return out;
  }
}

/** A boot-sector program: interrupts off, `body`, then the done marker. */
export function program(body: (a: Asm) => void): Uint8Array {
  const a = new Asm().cli();
  body(a);
  return a.done().bytes();
}
