import { readFile } from 'node:fs/promises';
import { UsageError } from './exit-codes.js';

/** Reads a text input named on the command line; a file that cannot be read is a usage error. */
export async function readTextArg(path: string, label = path): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${label}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Reads and parses a JSON input; unreadable or not JSON is a usage error naming it as `label`. */
export async function readJsonArg(
  path: string,
  label = path,
  reviver?: (key: string, value: unknown) => unknown,
): Promise<unknown> {
  const text = await readTextArg(path, label);
  try {
    return JSON.parse(text, reviver);
  } catch (e) {
    throw new UsageError(`${label} is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}
