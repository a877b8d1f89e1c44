import { open, readFile } from 'node:fs/promises';
import { fail } from '../../../errors/index.js';
import { loadDescriptionSet } from '../load.js';
import type { DescriptionSet } from '../model.js';
import { isMigrationStream } from './magic.js';

/** Whether the file starts with a migration stream's magic (`QEVM`), whatever it is called. */
export async function isStreamFile(file: string): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(file, 'r');
    const head = new Uint8Array(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    return isMigrationStream(head.subarray(0, bytesRead));
  } catch {
    return false; // unreadable: the description loaders say why
  } finally {
    await handle?.close();
  }
}

/**
 * `vmstate check STREAM DEST`'s inputs: the stream's bytes and the destination's dump. Problems
 * with either are `MigrationError`s (`other` unreadable, `invalid-description` not a dump).
 */
export async function loadStreamCheckInputs(
  stream: string,
  destination: string,
): Promise<{ bytes: Uint8Array; destination: DescriptionSet }> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(stream);
  } catch (e) {
    return fail('other', `cannot read ${stream}: ${e instanceof Error ? e.message : String(e)}`, {
      details: { file: stream },
    });
  }
  if (await isStreamFile(destination)) {
    return fail(
      'invalid-description',
      `${destination} is a migration stream; the destination must be its QEMU's -dump-vmstate JSON`,
      { details: { file: destination } },
    );
  }
  return { bytes, destination: await loadDescriptionSet(destination) };
}
