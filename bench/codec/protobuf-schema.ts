import { create, createFileRegistry, type DescMessage } from '@bufbuild/protobuf';
import {
  FileDescriptorProtoSchema,
  FieldDescriptorProto_Label as Label,
  FieldDescriptorProto_Type as Type,
} from '@bufbuild/protobuf/wkt';

/**
 * The Protobuf schema of the benchmark records, built in code as the FileDescriptorProto protoc
 * would produce from this .proto (so no code generation step is needed):
 *
 *   syntax = "proto3"; package vmbench;
 *   message Uart { uint32 divider = 1; … uint32 fifo_len = 11; repeated uint32 fifo = 12; }
 *   message Drive { uint32 head = 1; uint32 track = 2; uint32 sect = 3; uint32 media_rate = 4; }
 *   message Fdc { uint32 sra = 1; … uint32 status2 = 9; repeated uint32 fifo = 10;
 *                 uint32 data_pos = 11; uint32 data_len = 12; uint32 data_state = 13; …
 *                 uint32 pwrd = 21; uint32 num_floppies = 22; repeated Drive drives = 23; }
 *   message FdcBytes { …as Fdc, but bytes fifo = 10; }
 *
 * Every integer is `uint32` (a varint; proto3 has nothing narrower) and repeated scalars are
 * packed (the proto3 default).
 */

const UART_SCALARS = ['divider', 'rbr', 'ier', 'iir', 'lcr', 'mcr', 'lsr', 'msr', 'scr', 'fcr', 'fifo_len'];
const FDC_REGISTERS = ['sra', 'srb', 'dor_vmstate', 'tdr', 'dsr', 'msr', 'status0', 'status1', 'status2'];
const FDC_TRANSFER = [
  'data_pos',
  'data_len',
  'data_state',
  'data_dir',
  'eot',
  'timer0',
  'timer1',
  'precomp_trk',
  'config',
  'lock',
  'pwrd',
  'num_floppies',
];

interface FieldSpec {
  name: string;
  type: Type;
  repeated?: boolean;
  typeName?: string;
}

function scalars(names: string[]): FieldSpec[] {
  return names.map((name) => ({ name, type: Type.UINT32 }));
}

function message(name: string, fields: FieldSpec[]) {
  return {
    name,
    field: fields.map((f, i) => ({
      name: f.name,
      jsonName: f.name,
      number: i + 1,
      type: f.type,
      label: f.repeated ? Label.REPEATED : Label.OPTIONAL,
      ...(f.typeName === undefined ? {} : { typeName: f.typeName }),
    })),
  };
}

function fdcMessage(name: string, fifo: FieldSpec): ReturnType<typeof message> {
  return message(name, [
    ...scalars(FDC_REGISTERS),
    fifo,
    ...scalars(FDC_TRANSFER),
    { name: 'drives', type: Type.MESSAGE, repeated: true, typeName: '.vmbench.Drive' },
  ]);
}

const file = create(FileDescriptorProtoSchema, {
  name: 'vmbench.proto',
  package: 'vmbench',
  syntax: 'proto3',
  messageType: [
    message('Uart', [...scalars(UART_SCALARS), { name: 'fifo', type: Type.UINT32, repeated: true }]),
    message('Drive', scalars(['head', 'track', 'sect', 'media_rate'])),
    fdcMessage('Fdc', { name: 'fifo', type: Type.UINT32, repeated: true }),
    fdcMessage('FdcBytes', { name: 'fifo', type: Type.BYTES }),
  ],
});

const registry = createFileRegistry(file, () => undefined);

function messageDesc(name: string): DescMessage {
  const desc = registry.getMessage(`vmbench.${name}`);
  if (!desc) throw new Error(`vmbench.${name} is missing from the registry`);
  return desc;
}

export const UartDesc = messageDesc('Uart');
export const FdcDesc = messageDesc('Fdc');
export const FdcBytesDesc = messageDesc('FdcBytes');
