/**
 * How the CLI talks to people and scripts: data on stdout (JSON with --json), messages and progress on
 * stderr, errors as one line plus a hint (or a JSON object with --json), and the exit code from the error.
 *
 * Every printer here makes text terminal-safe (common/terminal-text.ts): much of what the CLI prints came from
 * the network (member names, versions, API messages, User-Agents), and none of it may act on the terminal.
 * Commands print through these functions, never with process.stdout.write directly.
 */
import { ExitCode, G8bootError, serializeError } from '../common/errors.ts';
import { terminalSafe, terminalSafeJson, terminalSafeLines } from '../common/terminal-text.ts';

export interface OutputOptions {
  json?: boolean | undefined;
}

export function printJson(value: unknown): void {
  if (!Array.isArray(value) || value.length === 0) {
    process.stdout.write(`${terminalSafeJson(JSON.stringify(value, null, 2))}\n`);
    return;
  }
  // An array element by element, in ~64 KiB writes: a list of 200,000 members is never one string of hundreds of
  // MB beside the list itself. The text is the same as JSON.stringify(value, null, 2).
  let chunk = '[\n';
  for (let i = 0; i < value.length; i++) {
    const text = JSON.stringify(value[i], null, 2) ?? 'null'; // as JSON.stringify writes undefined in arrays
    chunk += `  ${terminalSafeJson(text).replace(/\n/g, '\n  ')}${i === value.length - 1 ? '\n]\n' : ',\n'}`;
    if (chunk.length >= 65_536) {
      process.stdout.write(chunk);
      chunk = '';
    }
  }
  process.stdout.write(chunk);
}

/** One JSON value on one line (streams of events). */
export function printJsonLine(value: unknown): void {
  process.stdout.write(`${terminalSafeJson(JSON.stringify(value))}\n`);
}

/** Data for stdout, one or more lines (line breaks kept, every other control escaped). */
export function print(text: string): void {
  process.stdout.write(`${terminalSafeLines(text)}\n`);
}

/**
 * A document for stdout (an export): byte for byte when stdout is a file or a pipe, with controls escaped when
 * it is a terminal.
 */
export function printDocument(text: string): void {
  process.stdout.write(process.stdout.isTTY ? terminalSafeLines(text) : text);
}

/** A message for the person at the terminal (stderr, so stdout stays clean for data). */
export function say(message: string): void {
  process.stderr.write(`${terminalSafeLines(message)}\n`);
}

/** Print a left-aligned table; columns are sized to their widest cell. */
export function printTable(headers: readonly string[], rawRows: readonly (readonly string[])[]): void {
  const rows = rawRows.map((row) => row.map(terminalSafe));
  // A loop, not Math.max(...cells): spreading 200,000 rows as arguments overflows the stack.
  const widths = headers.map((h) => h.length);
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ');
  // In ~64 KiB writes rather than one string of every row.
  let chunk = `${line(headers)}\n`;
  for (const row of rows) {
    chunk += `${line(row)}\n`;
    if (chunk.length >= 65_536) {
      process.stdout.write(chunk);
      chunk = '';
    }
  }
  process.stdout.write(chunk);
}

/** Report an error and return the exit code it maps to. */
export function reportError(error: unknown, options: OutputOptions = {}): number {
  const exitCode = error instanceof G8bootError ? error.exitCode : ExitCode.failure;
  if (options.json) {
    process.stderr.write(`${terminalSafeJson(JSON.stringify({ error: serializeError(error) }))}\n`);
  } else if (error instanceof G8bootError) {
    say(`g8boot: ${error.message}`);
    if (error.hint) say(`  hint: ${error.hint}`);
  } else {
    const message = error instanceof Error ? error.message : String(error);
    say(`g8boot: unexpected error: ${message}`);
    if (process.env.G8BOOT_DEBUG && error instanceof Error && error.stack) say(error.stack);
  }
  return exitCode;
}
