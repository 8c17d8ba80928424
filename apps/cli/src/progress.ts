import { SingleBar } from 'cli-progress';

export interface Progress {
  update(value: number, total?: number, detail?: string): void;
  stop(): void;
}

/** A progress bar with rate and ETA on stderr; silent with --json or when not a terminal. */
export function progressBar(
  title: string,
  total: number,
  enabled: boolean,
  unit = 'events',
): Progress {
  if (!enabled || !process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar({
    format: `${title} [{bar}] {percentage}% | {value}/{total} | {speed} ${unit}/s | ETA {eta_formatted} {detail}`,
    stream: process.stderr,
    hideCursor: true,
    etaBuffer: 50,
  });
  const started = Date.now();
  bar.start(total, 0, { speed: 0, detail: '' });
  return {
    update: (value, newTotal, detail) => {
      if (newTotal !== undefined) bar.setTotal(newTotal);
      const seconds = Math.max(0.001, (Date.now() - started) / 1000);
      bar.update(value, { speed: Math.round(value / seconds), detail: detail ?? '' });
    },
    stop: () => bar.stop(),
  };
}
