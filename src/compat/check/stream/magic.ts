/** Whether bytes are a QEMU migration stream (magic `QEVM`), whatever the file is called. */
export function isMigrationStream(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x51 && head[1] === 0x45 && head[2] === 0x56 && head[3] === 0x4d;
}
