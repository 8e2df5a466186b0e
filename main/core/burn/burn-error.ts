/** A failed or cancelled write: which step, where on the drive, and what the person can do. */
import { ExitCode, G8bootError, type ExitCode as ExitCodeValue } from '../../common/errors.ts';
import type { BurnStep } from '../../common/burn.ts';

export class BurnError extends G8bootError {
  override name = 'BurnError';
  readonly step: BurnStep;
  /** The byte offset on the drive, for write and verify failures. */
  readonly offset: number | null;
  override readonly exitCode: ExitCodeValue;

  constructor(step: BurnStep, message: string, details: { hint?: string; cause?: unknown; offset?: number | null; cancelled?: boolean } = {}) {
    super(details.cancelled ? 'E_BURN_CANCELLED' : `E_BURN_${step.toUpperCase()}`, message, details);
    this.step = step;
    this.offset = details.offset ?? null;
    this.exitCode = details.cancelled ? ExitCode.interrupted : ExitCode.failure;
  }
}

/** What a drive holds after a write stopped at `offset` (told to the person on every failure and cancel). */
export function partialStateHint(offset: number, total: number): string {
  if (offset <= 0) return 'Nothing was written: the drive is as it was.';
  return `The drive now holds ${offset} of ${total} bytes of the image: it will not boot and its old contents are damaged. Write it again, or format it to use it for files.`;
}
