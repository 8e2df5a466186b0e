/**
 * How the CLI talks to people and scripts: data on stdout (JSON with --json), messages and progress on
 * stderr, errors as one line plus a hint (or a JSON object with --json), and the exit code from the error.
 */
import { ExitCode, G8bootError, serializeError } from '../common/errors.ts';

export interface OutputOptions {
  json?: boolean | undefined;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A message for the person at the terminal (stderr, so stdout stays clean for data). */
export function say(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** Print a left-aligned table; columns are sized to their widest cell. */
export function printTable(headers: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ');
  process.stdout.write(`${[line(headers), ...rows.map(line)].join('\n')}\n`);
}

/** Report an error and return the exit code it maps to. */
export function reportError(error: unknown, options: OutputOptions = {}): number {
  const exitCode = error instanceof G8bootError ? error.exitCode : ExitCode.failure;
  if (options.json) {
    process.stderr.write(`${JSON.stringify({ error: serializeError(error) })}\n`);
  } else if (error instanceof G8bootError) {
    process.stderr.write(`g8boot: ${error.message}\n`);
    if (error.hint) process.stderr.write(`  hint: ${error.hint}\n`);
  } else {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`g8boot: unexpected error: ${message}\n`);
    if (process.env.G8BOOT_DEBUG && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  }
  return exitCode;
}
