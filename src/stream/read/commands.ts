import { fail } from '../../errors/index.js';
import { COMMAND_NAMES, Command, type CommandItem, type StreamItem } from './items.js';
import type { ReaderState } from './reader-state.js';

/** Commands (spec §12) and the end of a PACKAGED blob. */

const FIXED_COMMAND_LENGTH: Readonly<Record<number, readonly number[]>> = {
  [Command.OPEN_RETURN_PATH]: [0],
  [Command.PING]: [4],
  [Command.POSTCOPY_ADVISE]: [0, 16],
  [Command.POSTCOPY_LISTEN]: [0],
  [Command.POSTCOPY_RUN]: [0],
  [Command.PACKAGED]: [4],
  [Command.ENABLE_COLO]: [0],
  [Command.POSTCOPY_RESUME]: [0],
  [Command.SWITCHOVER_START]: [0],
};

export async function command(r: ReaderState, at: number): Promise<CommandItem> {
  const src = r.src;
  await src.need(4, ['command'], 'a command header');
  const cmd = src.u16();
  const len = src.u16();
  const name = COMMAND_NAMES[cmd];
  const path = [`command ${name ?? cmd}`];
  if (name === undefined) {
    fail('unexpected-byte', `unknown command ${cmd}`, { offset: at + 1, path, details: { cmd } });
  }
  const fixed = FIXED_COMMAND_LENGTH[cmd];
  if (fixed && !fixed.includes(len)) {
    fail('invalid-value', `command ${name} with length ${len} (expected ${fixed.join(' or ')})`, {
      offset: at + 3,
      path,
      details: { cmd, length: len },
    });
  }
  await src.need(len, path, 'the command data');
  return { type: 'command', offset: at, cmd, data: src.take(len) };
}

/** Closes the innermost PACKAGED blob, carrying any bytes left in it after its nested EOF. */
export async function packagedEnd(r: ReaderState, blobs: number[]): Promise<StreamItem> {
  const src = r.src;
  const limit = blobs.pop() as number;
  const restLength = limit - src.offset;
  const path = ['command PACKAGED'];
  if (restLength < 0)
    fail('truncated', 'an item runs past the end of its PACKAGED blob', { offset: limit, path });
  if (restLength > r.maxSection) {
    fail('bound-exceeded', `${restLength} bytes left in a PACKAGED blob`, { offset: src.offset, path });
  }
  await src.need(restLength, path, 'the rest of a PACKAGED blob');
  return { type: 'packaged-end', offset: src.offset, rest: src.take(restLength) };
}
