import { create, type DescMessage, fromBinary, toBinary } from '@bufbuild/protobuf';
import { camelCase } from './camel.js';
import { type Contender, contender } from './contender.js';
import { FdcBytesDesc, FdcDesc, UartDesc } from './protobuf-schema.js';
import type { FdcRecord, UartRecord } from './samples.js';

/**
 * @bufbuild/protobuf v2 as its own code generator uses it: protoc-gen-es v2 emits only message
 * descriptors, and `toBinary`/`fromBinary` walk them by reflection at run time. A descriptor
 * built from a FileDescriptorProto at start-up is therefore exactly what generated code runs.
 */
function reflective(desc: DescMessage, inputs: Record<string, unknown>[]): Contender {
  return contender({
    name: 'protobuf-es',
    // Generated message fields are camelCase (`data_pos` → `dataPos`).
    inputs: inputs.map((init) => create(desc, camelCase(init) as Record<string, unknown>)),
    encode: (m) => toBinary(desc, m),
    decode: (b) => fromBinary(desc, b),
  });
}

export function protobufEsUart(records: readonly UartRecord[]): Contender {
  return reflective(
    UartDesc,
    records.map((r) => ({ ...r })),
  );
}

export function protobufEsFdcArray(records: readonly FdcRecord[]): Contender {
  return reflective(
    FdcDesc,
    records.map((r) => ({ ...r })),
  );
}

export function protobufEsFdcBytes(records: readonly FdcRecord[]): Contender {
  return reflective(
    FdcBytesDesc,
    records.map((r) => ({ ...r, fifo: Uint8Array.from(r.fifo) })),
  );
}
