import type { PathSegment } from '../../../errors/index.js';
import { emit, type Gate, type Walk } from './walk.js';

/** The sender's version against the receiver's range; `onWire` false for nested descriptions. */
export function checkVersion(
  w: Walk,
  gate: Gate | undefined,
  path: readonly PathSegment[],
  what: string,
  sent: number,
  recv: { version: number; minimumVersion: number },
  onWire: boolean,
): void {
  if (sent > recv.version)
    emit(w, gate, 'versionTooNew', path, { what, sent, version: recv.version, onWire });
  if (sent < recv.minimumVersion)
    emit(w, gate, 'versionTooOld', path, { what, sent, minimumVersion: recv.minimumVersion, onWire });
}
