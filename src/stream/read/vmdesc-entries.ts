import type { Vmdesc, VmdescEntry } from './vmdesc.js';

/**
 * A vmdesc's device entries by section identity, handed out in stream order: a repeated
 * (idstr, instance) takes the next entry, and the last one again after that (as QEMU's list does).
 */
export class VmdescEntries {
  private readonly entries = new Map<string, { list: VmdescEntry[]; next: number }>();
  /** Each entry's index in `devices`. */
  readonly index = new Map<VmdescEntry, number>();

  constructor(vmdesc: Vmdesc | undefined) {
    vmdesc?.devices.forEach((d, i) => {
      this.index.set(d, i);
      const key = `${d.name}\u0000${d.instance_id}`;
      const slot = this.entries.get(key);
      if (slot) slot.list.push(d);
      else this.entries.set(key, { list: [d], next: 0 });
    });
  }

  /** The entry for the next section with this identity, if the vmdesc has one. */
  next(idstr: string, instanceId: number): VmdescEntry | undefined {
    const slot = this.entries.get(`${idstr}\u0000${instanceId}`);
    if (!slot) return undefined;
    const e = slot.list[Math.min(slot.next, slot.list.length - 1)];
    slot.next++;
    return e;
  }
}
