import pc from 'picocolors';

/**
 * Colours for one output stream. picocolors alone turns colour on whenever `CI` is set, even when
 * the output is piped into a file or a test; we colour only a terminal, unless the user says
 * otherwise with NO_COLOR or FORCE_COLOR (https://no-color.org).
 */
export function coloursFor(stream: { isTTY?: boolean }): ReturnType<typeof pc.createColors> {
  const env = process.env;
  const wanted =
    env.NO_COLOR === undefined &&
    (env.FORCE_COLOR !== undefined || (stream.isTTY === true && env.TERM !== 'dumb'));
  return pc.createColors(wanted);
}
