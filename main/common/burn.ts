/**
 * The vocabulary of writing a boot image to a USB stick, shared by the core (listing, writing), the CLI
 * (`g8boot burn`), the elevated writer's progress lines, the IPC contract and the renderer.
 *
 * Runtime-agnostic: types and a few pure helpers only.
 */

/** A whole disk as g8boot sees it: offered to the person (a stick), or hidden with the reason. */
export interface DriveView {
  /** The device to open: /dev/sdb, /dev/disk4 (macOS; written through /dev/rdisk4), \\.\PHYSICALDRIVE2. */
  device: string;
  /** What the person recognises: vendor and model ("SanDisk Ultra"), or the bus when the model is unknown. */
  description: string;
  sizeBytes: number;
  /** usb, sd, sata, nvme, virtio, loop… (lower case); null when the OS does not say. */
  bus: string | null;
  removable: boolean;
  readOnly: boolean;
  /** Where its partitions are mounted now (they are unmounted before writing). */
  mountpoints: string[];
  /** true: g8boot offers it. false: `hiddenBecause` says why (system, internal, read-only, no medium…). */
  offered: boolean;
  hiddenBecause: string | null;
  /** Reasons to look twice before writing (e.g. larger than 128 GB: maybe a backup disk, not a stick). */
  warnings: string[];
}

/** The steps of a write, in order; a failure names the step it happened in. */
export type BurnStep = 'prepare' | 'unmount' | 'open' | 'write' | 'verify' | 'sync' | 'eject';

export interface BurnProgress {
  step: BurnStep;
  /** Bytes done and total in the write and verify steps (0/0 in the others). */
  done: number;
  total: number;
  /** Bytes per second over the step so far (0 before the first measure). */
  bytesPerSecond: number;
  /** Seconds left in this step, or null when unknown. */
  etaSeconds: number | null;
}

export interface BurnResult {
  device: string;
  description: string;
  bytes: number;
  /** SHA-256 of the image, and of exactly as many bytes read back from the drive: equal, or it failed. */
  sha256: string;
  writeSeconds: number;
  verifySeconds: number;
  /** true when the drive was ejected (powered off); false with `ejectProblem` when it could not be. */
  ejected: boolean;
  ejectProblem: string | null;
  /** What the person should know afterwards (e.g. on Windows: do not format it). */
  notes: string[];
}

/** Said on every OS where it applies: a written stick holds ISO 9660 + a FAT ESP that Windows cannot show. */
export const WINDOWS_FORMAT_WARNING =
  'Windows cannot read the written stick and may offer to format it: do not format it (that erases the boot image).';

/** Etcher's threshold: drives larger than this are more often backup disks than sticks. */
export const LARGE_DRIVE_BYTES = 128e9;

/** "32.0 GB" (decimal, as drives are sold). */
export function formatDriveSize(bytes: number): string {
  if (bytes >= 1e12) return `${(bytes / 1e12).toFixed(1)} TB`;
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${bytes} bytes`;
}

/** "SanDisk Ultra, 32.0 GB (/dev/sdb)": how every face names a drive in a confirmation. */
export function driveLabel(drive: Pick<DriveView, 'device' | 'description' | 'sizeBytes'>): string {
  return `${drive.description}, ${formatDriveSize(drive.sizeBytes)} (${drive.device})`;
}

/** What to do with a written and verified stick, as every face says it: unplug it when it was ejected. */
export function afterBurnWords(ejected: boolean): string {
  return ejected ? 'It is ejected: unplug it and boot a machine from it.' : 'Boot a machine from it.';
}

/** Progress from bytes done over elapsed time. */
export function rateAndEta(done: number, total: number, elapsedMs: number): { bytesPerSecond: number; etaSeconds: number | null } {
  if (elapsedMs <= 0 || done <= 0) return { bytesPerSecond: 0, etaSeconds: null };
  const bytesPerSecond = (done * 1000) / elapsedMs;
  return { bytesPerSecond, etaSeconds: total > done ? (total - done) / bytesPerSecond : 0 };
}

/** The app's "Write to USB stick…": the same image request as Build boot image, and the drive picked. */
export interface BurnImageRequest {
  netid: string;
  /** Boot URLs tried in order, or kernelUrl; neither: the defaults (as Build boot image). */
  bootUrls?: string[] | undefined;
  kernelUrl?: string | undefined;
  kernelArgs?: string | undefined;
  /** A device from listDrives. */
  device: string;
}

/** The write in progress or just finished, as the window and the tray show it. */
export interface BurnStatusView {
  device: string;
  description: string;
  sizeBytes: number;
  state: 'running' | 'verified' | 'failed' | 'cancelled';
  progress: BurnProgress;
  result: BurnResult | null;
  /** What failed: the step, the offset on the drive for write/verify failures, and what to do. */
  error: { code: string; message: string; hint?: string | undefined; step?: BurnStep | undefined; offset?: number | null | undefined } | null;
}

/** Each step in words, as every face shows it. */
export const BURN_STEP_WORDS: Record<BurnStep, string> = {
  prepare: 'Preparing',
  unmount: 'Unmounting',
  open: 'Opening',
  write: 'Writing',
  verify: 'Verifying',
  sync: 'Syncing',
  eject: 'Ejecting',
};

/** "Writing 42 % · 18.3 MiB/s · 12 s left" */
export function burnProgressText(progress: BurnProgress): string {
  const words = BURN_STEP_WORDS[progress.step];
  if (!progress.total) return `${words}…`;
  const parts = [`${words} ${Math.floor((100 * progress.done) / progress.total)} %`];
  if (progress.bytesPerSecond > 0) parts.push(`${(progress.bytesPerSecond / 1048576).toFixed(1)} MiB/s`);
  if (progress.etaSeconds !== null && progress.done < progress.total) parts.push(`${Math.ceil(progress.etaSeconds)} s left`);
  return parts.join(' · ');
}
