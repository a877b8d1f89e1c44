import { avscFdcArray, avscFdcFixed, avscUart } from './avro.js';
import type { BenchCase } from './contender.js';
import { dataviewFdcArray, dataviewFdcBytes, dataviewUart } from './dataview.js';
import { protobufEsFdcArray, protobufEsFdcBytes, protobufEsUart } from './protobuf-es.js';
import { protobufWireFdcArray, protobufWireFdcBytes, protobufWireUart } from './protobuf-wire.js';
import type { FdcRecord, UartRecord } from './samples.js';
import { vmstateFdcArray, vmstateFdcBuffer, vmstateUart } from './vmstate.js';

/**
 * The workloads. vmstate is always first: ratios are taken against it. `dataview` (hand-written
 * code for exactly these layouts) is the ceiling a generic codec can approach. The fdc FIFO appears in
 * both representations a vmstate user can choose for it (the wire bytes are identical), each
 * beside the matching Avro and Protobuf type.
 */
export function benchCases(uart: readonly UartRecord[], fdc: readonly FdcRecord[]): BenchCase[] {
  return [
    {
      name: 'uart',
      description: '11 u8/u16 registers + u8[16] FIFO (number[]); avro array<int>, proto packed uint32',
      contenders: [
        vmstateUart(uart),
        dataviewUart(uart),
        avscUart(uart),
        protobufEsUart(uart),
        protobufWireUart(uart),
      ],
    },
    {
      name: 'fdc',
      description:
        'QEMU fdc: 9 u8, varray u8[512] FIFO (number[]), 2×be32, 9 u8, equal u8, 2 fdrive (3 u8 + subsection u8); avro array<int>, proto packed uint32',
      contenders: [
        vmstateFdcArray(fdc),
        dataviewFdcArray(fdc),
        avscFdcArray(fdc),
        protobufEsFdcArray(fdc),
        protobufWireFdcArray(fdc),
      ],
    },
    {
      name: 'fdc-bytes',
      description: 'the same fdc with the FIFO as buffer(512) (Uint8Array); avro fixed(512), proto bytes',
      contenders: [
        vmstateFdcBuffer(fdc),
        dataviewFdcBytes(fdc),
        avscFdcFixed(fdc),
        protobufEsFdcBytes(fdc),
        protobufWireFdcBytes(fdc),
      ],
    },
  ];
}
