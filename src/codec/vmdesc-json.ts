/**
 * The JSON QEMU appends to a stream to describe what it wrote (spec §13.2). Produced while saving,
 * because presence and sizes depend on the values.
 */
export interface VmdescBody {
  vmsd_name: string;
  version: number;
  fields: VmdescField[];
  subsections?: VmdescBody[];
}

export interface VmdescField {
  name: string;
  array_len?: number;
  index?: number;
  type: string;
  struct?: VmdescBody;
  /** tmp, vstruct: the nested body's members sit inline in the field object. */
  vmsd_name?: string;
  version?: number;
  fields?: VmdescField[];
  subsections?: VmdescBody[];
  size: number;
}
