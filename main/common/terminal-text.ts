/**
 * Text that came from the network, made safe to print on a terminal or into a log.
 *
 * Member names, descriptions, physical addresses, client versions, API error messages and HTTP clients'
 * User-Agent headers are chosen by whoever controls a node, a controller or a request. Printed raw, an escape
 * sequence in them acts on the person's terminal (clear the screen, set the window title, rewrite earlier lines,
 * on some terminals write files), and a bidi override makes text read differently from what it is. Every
 * character that is not plain visible text is therefore shown as an escape, e.g. ESC as `\x1b`, U+202E as
 * `\u202e`: C0 and C1 controls, DEL, bidi marks, embeddings, overrides and isolates, line and paragraph
 * separators, zero-width characters and the BOM.
 */

// C0 controls, DEL and C1 controls; U+061C (Arabic letter mark); U+200B-U+200F (zero-width, LRM, RLM);
// U+2028-U+202E (separators, embeddings, overrides); U+2060-U+206F (word joiner, invisible operators, isolates,
// deprecated format characters); U+FEFF (BOM); U+FFF9-U+FFFB (interlinear annotation).
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g;
// A CR right before its LF is a line end (CSV's CRLF, a Windows text): kept, so an export at a terminal is not
// strewn with \x0d. A lone CR (it returns to the start of the line and overwrites it) is escaped.
const UNSAFE_BUT_NEWLINE = /\r(?!\n)|[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g;
// Inside JSON text, C0 controls are escaped already by JSON.stringify; the rest is valid raw, so escape it too.
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g;

function escapeChar(char: string): string {
  const code = char.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** One line of text (a table cell, a name): every control and invisible format character escaped. */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, escapeChar);
}

/** A message of one or more lines: as terminalSafe, but line breaks (LF, CRLF) stay line breaks. */
export function terminalSafeLines(text: string): string {
  return text.replace(UNSAFE_BUT_NEWLINE, escapeChar);
}

/**
 * JSON text safe for a terminal and still the same JSON value: the characters JSON.stringify leaves raw
 * (DEL, C1 controls, bidi and other format characters) become \uXXXX escapes. They can only occur in strings.
 */
export function terminalSafeJson(json: string): string {
  return json.replace(UNSAFE_IN_JSON, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
