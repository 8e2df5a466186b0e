/**
 * Errors g8boot reports to people. Every error carries a stable `code` (machine-readable, crosses IPC
 * and `--json` output), a message saying what went wrong, and a `hint` saying what to do about it.
 *
 * Runtime-agnostic: no Node, DOM or Electron imports, so the renderer can rebuild these from what crosses
 * the IPC boundary (name, message, code, hint).
 */

/** Process exit codes of the CLI, documented in the README. */
export const ExitCode = {
  ok: 0,
  /** Something failed at run time (remote API, I/O, a VM that did not start...). */
  failure: 1,
  /** The input was wrong: a bad network id, URL, argument or option. Nothing was changed. */
  usage: 2,
  /** A required component is missing: the iPXE toolchain, a hypervisor, ZeroTier One. */
  missingDependency: 3,
  /** Interrupted by the user (SIGINT). */
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface ErrorDetails {
  hint?: string | undefined;
  cause?: unknown;
}

export class G8bootError extends Error {
  override name = 'G8bootError';
  readonly code: string;
  readonly hint: string | undefined;
  readonly exitCode: ExitCode = ExitCode.failure;

  constructor(code: string, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.hint = details.hint;
  }

  /** The shape that crosses IPC and `--json` output. Never includes secrets: messages are built to omit them. */
  toJSON(): SerializedError {
    return { name: this.name, code: this.code, message: this.message, ...(this.hint ? { hint: this.hint } : {}) };
  }
}

/** Bad input from a person or a caller: reported with exit code 2, nothing is changed. */
export class InvalidInputError extends G8bootError {
  override name = 'InvalidInputError';
  override readonly exitCode: ExitCode = ExitCode.usage;
}

/** A component g8boot needs is missing or damaged (toolchain file, hypervisor binary, ZeroTier service). */
export class MissingDependencyError extends G8bootError {
  override name = 'MissingDependencyError';
  override readonly exitCode: ExitCode = ExitCode.missingDependency;
}

export interface SerializedError {
  name: string;
  code: string;
  message: string;
  hint?: string;
}

/** Turn anything thrown into the serializable shape; unknown errors keep their message, never their stack. */
export function serializeError(error: unknown): SerializedError {
  if (error instanceof G8bootError) return error.toJSON();
  if (error instanceof Error) {
    const { code } = error as Error & { code?: unknown };
    return { name: error.name, code: typeof code === 'string' ? code : 'E_INTERNAL', message: error.message };
  }
  return { name: 'Error', code: 'E_INTERNAL', message: String(error) };
}
