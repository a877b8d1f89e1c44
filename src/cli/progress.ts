import type cliProgress from 'cli-progress';

/** Streams above this size get a progress bar when stderr is a terminal. */
const PROGRESS_FROM = 256 << 20;

/**
 * A progress bar on stderr (or `stream`) when it is a terminal: from the start for a stream of known
 * size over PROGRESS_FROM bytes; for one of unknown size (a pipe), a running count once that much
 * has been read. A no-op otherwise.
 */
export async function progressFor(
  size: number | undefined,
  enabled: boolean,
  stream: NodeJS.WriteStream = process.stderr,
): Promise<{
  onProgress?: (offset: number) => void;
  stop(): void;
}> {
  if (!enabled || !stream.isTTY || (size !== undefined && size < PROGRESS_FROM)) return { stop() {} };
  // Loaded only for a terminal: piped and scripted runs never pay for it.
  const { default: cliProgress } = await import('cli-progress');
  const mib = (n: number) => Math.floor(n / 2 ** 20);
  let bar: cliProgress.SingleBar | undefined;
  const start = () => {
    bar = new cliProgress.SingleBar(
      {
        stream,
        format:
          size === undefined
            ? 'reading {value} MiB (size unknown)'
            : 'reading [{bar}] {percentage}% | {value}/{total} MiB',
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(size === undefined ? 0 : mib(size), 0);
  };
  if (size !== undefined) start();
  let shown = 0;
  let last = 0;
  return {
    onProgress(offset: number) {
      last = offset;
      if (!bar) {
        if (offset < PROGRESS_FROM) return;
        start();
      }
      const v = mib(offset);
      if (v !== shown) {
        shown = v;
        bar?.update(v);
      }
    },
    stop() {
      if (!bar) return;
      bar.update(mib(size ?? last));
      bar.stop();
    },
  };
}
