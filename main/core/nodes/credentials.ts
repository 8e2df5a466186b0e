/**
 * core0's Redis credentials for one network, as the probe uses them: the password (core0 booted with
 * `organization=` wants a JWT) and whether plain text may carry it. The CLI (env or file) and the tray app
 * (safeStorage, or a JWT file) each say where the password comes from; the monitor asks before every sweep, so a
 * JWT file refreshed by another tool is picked up, and a changed setting applies from the next sweep.
 *
 * The password is a secret: it is never logged, never part of an error message, a record, an event or `--json`.
 */
import { readFile } from 'node:fs/promises';
import { G8bootError, InvalidInputError } from '../../common/errors.ts';
import { quote } from '../../common/validate.ts';

export interface RedisCredentials {
  /** Undefined: none set for the network. */
  password?: string | undefined;
  /** Send the password over plain text too. Default false (only over trusted TLS). */
  allowPlaintextPassword?: boolean | undefined;
}

/** Asked before each sweep. A rejection is logged (its message, never a secret) and the sweep runs without a password. */
export type CredentialSource = () => RedisCredentials | Promise<RedisCredentials>;

/** A JWT is a few KiB at most; a bigger "password file" is a wrong path. */
const MAX_PASSWORD_BYTES = 64 * 1024;

/**
 * The password in a file (core0's JWT, as `zos`/itsyou.online tools save it): the whole file, surrounding
 * whitespace trimmed. Errors name the file and the reason, never its content.
 */
export async function readPasswordFile(path: string): Promise<string> {
  let text: string;
  try {
    const bytes = await readFile(path);
    if (bytes.length > MAX_PASSWORD_BYTES) {
      throw new InvalidInputError('E_REDIS_PASSWORD_FILE', `The Redis password file ${quote(path)} is ${bytes.length} bytes: too big to be a password or a JWT.`, {
        hint: "Give the path of a file that holds only core0's password (its JWT).",
      });
    }
    text = bytes.toString('utf8');
  } catch (error) {
    if (error instanceof G8bootError) throw error;
    throw new G8bootError('E_REDIS_PASSWORD_FILE', `Cannot read the Redis password file ${quote(path)} (${(error as NodeJS.ErrnoException).code ?? 'error'}).`, {
      hint: "Give the path of a file that holds only core0's password (its JWT).",
    });
  }
  const password = text.trim();
  if (!password) throw new InvalidInputError('E_REDIS_PASSWORD_FILE', `The Redis password file ${quote(path)} is empty.`);
  if (/[\r\n]/.test(password)) {
    throw new InvalidInputError('E_REDIS_PASSWORD_FILE', `The Redis password file ${quote(path)} holds more than one line.`, {
      hint: "Put only core0's password (its JWT) in the file, on one line.",
    });
  }
  return password;
}

/**
 * `text` from a node (a Redis error, core0's answer) with the password taken out: a node that got it (trusted on
 * first use, or plain text the person allowed) may say it back, and what it says ends up in the inventory, the
 * output and the app. Done before any text is shortened, so no part of it survives.
 */
export function withoutPassword(text: string, password: string | undefined): string {
  return password ? text.split(password).join('(the password)') : text;
}
