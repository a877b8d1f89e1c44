/** `data_pos` → `dataPos`: the property names Protobuf code generators give proto fields. */
export function camelKey(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** A plain record with every key (at any depth) in camelCase; arrays and byte arrays are kept. */
export function camelCase(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelCase);
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [camelKey(k), camelCase(v)]));
}
