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
 * `vmstate check STREAM DEST`'s inputs: the stream file (opened once to see that it can be read;
 * `checkStream` reads it as a stream, never whole) and the destination's dump. Problems with either
 * are `MigrationError`s (`other` unreadable, `invalid-description` not a dump).
 */
export async function openStreamCheckInputs(
  stream: string,
  destination: string,
): Promise<{ stream: string; destination: DescriptionSet }> {
  try {
    const handle = await open(stream, 'r');
    try {
      await handle.read(new Uint8Array(1), 0, 1, 0);
    } finally {
      await handle.close();
    }
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
  return { stream, destination: await loadDescriptionSet(destination) };
}

/** Like `openStreamCheckInputs`, with the stream's bytes read whole (small streams, tests). */
export async function loadStreamCheckInputs(
  stream: string,
  destination: string,
): Promise<{ bytes: Uint8Array; destination: DescriptionSet }> {
  const inputs = await openStreamCheckInputs(stream, destination);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(stream);
  } catch (e) {
    return fail('other', `cannot read ${stream}: ${e instanceof Error ? e.message : String(e)}`, {
      details: { file: stream },
    });
  }
  return { bytes, destination: inputs.destination };
}
