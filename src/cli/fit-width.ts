/** Text output's width: the terminal's when stdout is one, else 100 columns (files, pipes, CI logs). */
export function outputWidth(stream: { isTTY?: boolean; columns?: number } = process.stdout): number {
  return stream.isTTY === true && stream.columns !== undefined && stream.columns >= 40 ? stream.columns : 100;
}

/** SGR colour sequences (ESC [ … m): they take no columns on a terminal. */
const SGR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

/** Columns a line takes on a terminal: its length without colour sequences. */
function columns(line: string): number {
  return line.includes(String.fromCharCode(27)) ? line.replace(SGR, '').length : line.length;
}

/**
 * Wraps every line longer than `width` at its last spaces that fit; continuation lines are indented
 * two more than the line they continue, so a list item stays visibly one item. A word longer than
 * the width (a path, a URL) stays whole. Colour sequences take no width (a painted line may break
 * a little early, never late).
 */
export function fitWidth(text: string, width = outputWidth()): string {
  return text
    .split('\n')
    .map((line) => (columns(line) <= width ? line : wrapLine(line, width)))
    .join('\n');
}

function wrapLine(line: string, width: number): string {
  const indent = ' '.repeat((/^ */.exec(line)?.[0].length ?? 0) + 2);
  const out: string[] = [];
  let rest = line;
  while (columns(rest) > width) {
    const head = out.length === 0 ? 0 : indent.length;
    let cut = rest.lastIndexOf(' ', width);
    if (cut <= head) cut = rest.indexOf(' ', width);
    if (cut <= head) break;
    out.push(rest.slice(0, cut).trimEnd());
    rest = indent + rest.slice(cut + 1).trimStart();
  }
  out.push(rest);
  return out.join('\n');
}
