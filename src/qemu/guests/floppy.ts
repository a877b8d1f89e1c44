/**
 * A 1.44 MB floppy image whose boot sector is a given program: SeaBIOS loads sector 0 to 0:7C00
 * and jumps there when bytes 510–511 are 55 AA. Everything else is zero.
 */
import { renameSync, writeFileSync } from 'node:fs';

export const FLOPPY_SIZE = 1_474_560;
export const BOOT_SIGNATURE_OFFSET = 510;

/** The image: `code` at offset 0, 55 AA at 510 (unless `bootable` is false: then all zero). */
export function floppyImage(code: Uint8Array, bootable = true): Uint8Array {
  if (code.length > BOOT_SIGNATURE_OFFSET) {
    throw new Error(`boot code is ${code.length} bytes; a boot sector holds ${BOOT_SIGNATURE_OFFSET}`);
  }
  const image = new Uint8Array(FLOPPY_SIZE);
  image.set(code, 0);
  if (bootable) {
    image[BOOT_SIGNATURE_OFFSET] = 0x55;
    image[BOOT_SIGNATURE_OFFSET + 1] = 0xaa;
  }
  return image;
}

/** Writes an image to `file` through a temp file and rename (a failure leaves no half image). */
export function writeFloppy(file: string, image: Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, image);
  renameSync(tmp, file);
}
