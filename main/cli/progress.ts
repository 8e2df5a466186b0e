/**
 * Progress for anything that may take more than a second (downloads, image builds on slow disks, VM
 * starts). The bar (cli-progress) appears only on an interactive stderr and only once the task has run for
 * a second, so quick runs and scripted runs stay quiet.
 */
import type { SingleBar } from 'cli-progress';

export interface Progress {
  /** Report `done` of `total` units (bytes, steps). `total` may be unknown (0). */
  update(done: number, total?: number): void;
  stop(): void;
}

export interface ProgressOptions {
  label: string;
  unit?: 'bytes' | 'steps';
  /** Milliseconds before the bar appears. */
  delayMs?: number;
  stream?: NodeJS.WriteStream;
}

const silent: Progress = { update() {}, stop() {} };

export async function startProgress(options: ProgressOptions): Promise<Progress> {
  const stream = options.stream ?? process.stderr;
  if (!stream.isTTY || process.env.CI) return silent;
  const { default: cliProgress } = await import('cli-progress');
  const started = Date.now();
  const delay = options.delayMs ?? 1000;
  let bar: SingleBar | undefined;
  let lastTotal = 0;
  const bytes = options.unit === 'bytes';
  const format = (v: number) => (bytes ? `${(v / 1048576).toFixed(1)} MiB` : String(v));
  return {
    update(done, total = lastTotal) {
      lastTotal = total;
      if (!bar) {
        if (Date.now() - started < delay) return;
        bar = new cliProgress.SingleBar(
          {
            stream,
            format: `${options.label} [{bar}] {percentage}% | {doneText} of {totalText}`,
            hideCursor: true,
            clearOnComplete: true,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total || 1, done, { doneText: format(done), totalText: total ? format(total) : '?' });
      }
      if (total) bar.setTotal(total);
      bar.update(done, { doneText: format(done), totalText: total ? format(total) : '?' });
    },
    stop() {
      bar?.stop();
    },
  };
}
