/**
 * Boot media from a person's request: validate everything first (so a bad value changes nothing), render
 * stage 1, lay out the image, write it atomically. Shared by the CLI, the tray app and the boot service.
 */
import { createHash } from 'node:crypto';
import { InvalidInputError } from '../../common/errors.ts';
import {
  parseBaseUrl,
  parseBootNetworkId,
  parseHttpUrl,
  parseKernelArgs,
  type NetworkId,
} from '../../common/validate.ts';
import { VERSION } from '../version.ts';
import { imageTimestamp, planBootImage, type BootFiles, type BootImage } from './image.ts';
import { kernelCommandLine, renderStage1, stage2Url } from './ipxe-script.ts';
import { layoutChunks, writeLayoutFile } from './layout.ts';
import { outputWriteError } from '../output-path.ts';

export interface BootMediaRequest {
  /** 16 hex digits, or 0/null for no ZeroTier. */
  netid: string;
  /** Boot service base URL: stage 1 chains <bootUrl>/g8os.ipxe?netid=<id>. */
  bootUrl?: string | undefined;
  /** Inline mode: the G8OS kernel URL, chained directly with zerotier=<id>. */
  kernelUrl?: string | undefined;
  kernelArgs?: string | readonly string[] | undefined;
}

export type BootMediaSpec =
  | { networkId: NetworkId | null; mode: 'chain'; bootUrl: string; stage2Url: string; kernelArgs: string[] }
  | { networkId: NetworkId | null; mode: 'inline'; kernelUrl: string; kernelArgs: string[] };

export const GENERATOR = `g8boot ${VERSION}`;

/** Validate a request. Throws InvalidInputError (exit code 2) naming the bad value. */
export function parseBootMediaRequest(request: BootMediaRequest): BootMediaSpec {
  const networkId = parseBootNetworkId(request.netid);
  const hasBoot = request.bootUrl !== undefined;
  const hasKernel = request.kernelUrl !== undefined;
  if (hasBoot === hasKernel) {
    throw new InvalidInputError('E_USAGE', hasBoot ? 'Give either a boot URL or a kernel URL, not both.' : 'Give a boot URL or a kernel URL.', {
      hint: '--boot-url <url> chains the boot script from a g8boot boot service; --kernel <url> boots a G8OS kernel directly.',
    });
  }
  const kernelArgs = parseKernelArgs(request.kernelArgs);
  if (hasBoot) {
    // The boot service adds these to the kernel's command line (stage-2 URL `&args=`).
    const bootUrl = parseBaseUrl(request.bootUrl!, 'boot URL');
    return { networkId, mode: 'chain', bootUrl, stage2Url: stage2Url(bootUrl, networkId, kernelArgs), kernelArgs };
  }
  return {
    networkId,
    mode: 'inline',
    kernelUrl: parseHttpUrl(request.kernelUrl!, 'kernel URL'),
    kernelArgs,
  };
}

export function stage1For(spec: BootMediaSpec): string {
  return spec.mode === 'chain'
    ? renderStage1({ networkId: spec.networkId, bootUrl: spec.bootUrl, kernelArgs: spec.kernelArgs, generator: GENERATOR })
    : renderStage1({ networkId: spec.networkId, kernelUrl: spec.kernelUrl, kernelArgs: spec.kernelArgs, generator: GENERATOR });
}

const IMAGE_SUFFIX = { iso: '.iso', usb: '.img', efi: '-esp.img' } as const;

/** The file name people get for an image: g8os-<id>.iso (CD), .img (USB stick), -esp.img (the ESP alone). */
export function imageFileName(networkId: NetworkId | null, kind: keyof typeof IMAGE_SUFFIX): string {
  return `g8os-${networkId ?? 'nozt'}${IMAGE_SUFFIX[kind]}`;
}

/** What the image boots, in words: the stage-2 URL, or the kernel URL and its command line. */
export function describeTarget(spec: BootMediaSpec): string {
  return spec.mode === 'chain' ? spec.stage2Url : [spec.kernelUrl, ...kernelCommandLine(spec.networkId, spec.kernelArgs)].join(' ');
}

export function planBootMedia(files: BootFiles, spec: BootMediaSpec, env: NodeJS.ProcessEnv = process.env): BootImage {
  return planBootImage(files, { script: stage1For(spec), networkId: spec.networkId, timestamp: imageTimestamp(files, env) });
}

export { checkOutputPath } from '../output-path.ts';

export interface WrittenImage {
  path: string;
  bytes: number;
}

/** Write atomically; permission and disk-full errors become messages that say which path. */
export async function writeBootImageFile(image: BootImage['layout'], path: string): Promise<WrittenImage> {
  try {
    await writeLayoutFile(image, path);
  } catch (error) {
    throw outputWriteError(error, path);
  }
  return { path, bytes: image.size };
}

export function sha256OfLayout(layout: BootImage['layout']): string {
  const h = createHash('sha256');
  for (const chunk of layoutChunks(layout)) h.update(chunk);
  return h.digest('hex');
}
