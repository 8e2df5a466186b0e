/**
 * Boot media from a person's request: validate everything first (so a bad value changes nothing), render
 * stage 1, lay out the image, write it atomically. Shared by the CLI, the tray app and the boot service.
 */
import { createHash } from 'node:crypto';
import { parseBootUrl, parseNodeKernelUrl, type BootTarget } from '../../common/boot-url.ts';
import { InvalidInputError } from '../../common/errors.ts';
import { parseBootNetworkId, parseKernelArgs, type NetworkId } from '../../common/validate.ts';
import { VERSION } from '../version.ts';
import { defaultBootTargets, labelBootUrls, thisComputersLanAddresses, type BootHostFacts } from './boot-targets.ts';
import { imageTimestamp, planBootImage, type BootFiles, type BootImage } from './image.ts';
import { kernelCommandLine, renderStage1, stage2UrlFor } from './ipxe-script.ts';
import { layoutChunks, writeLayoutFile } from './layout.ts';
import { outputWriteError } from '../output-path.ts';

export interface BootMediaRequest {
  /** 16 hex digits, or 0/null for no ZeroTier. */
  netid: string;
  /**
   * Boot service base URLs, tried in order: stage 1 chains <bootUrl>/g8os.ipxe?netid=<id>. Loopback ones are
   * refused. Neither these nor kernelUrl: the defaults (a VM on this computer, then this computer's LAN).
   */
  bootUrls?: string | readonly string[] | undefined;
  /** Inline mode: the G8OS kernel URL, chained directly with zerotier=<id>. */
  kernelUrl?: string | undefined;
  kernelArgs?: string | readonly string[] | undefined;
}

export type BootMediaSpec =
  | {
      networkId: NetworkId | null;
      mode: 'chain';
      /** Where each boot URL works, in the order stage 1 tries them. */
      targets: BootTarget[];
      /** The stage-2 URL stage 1 fetches for each target. */
      stage2Urls: string[];
      /** True when the person gave no boot URL and these are the defaults (say so). */
      defaulted: boolean;
      kernelArgs: string[];
    }
  | { networkId: NetworkId | null; mode: 'inline'; kernelUrl: string; kernelArgs: string[] };

export const GENERATOR = `g8boot ${VERSION}`;

/**
 * Validate a request. Throws InvalidInputError (exit code 2) naming the bad value. `facts` (this computer's
 * network interfaces) label the boot URLs and give the defaults; `defaultPort` is the boot service's port.
 */
export function parseBootMediaRequest(request: BootMediaRequest, facts: BootHostFacts & { defaultPort?: number | undefined } = {}): BootMediaSpec {
  return bootMediaSpec({ ...request, networkId: parseBootNetworkId(request.netid) }, facts);
}

/** The same, for a network id parsed already (the boot service, the VM manager): never re-stringified. */
export function bootMediaSpec(
  request: Omit<BootMediaRequest, 'netid'> & { networkId: NetworkId | null },
  facts: BootHostFacts & { defaultPort?: number | undefined } = {},
): BootMediaSpec {
  const { networkId } = request;
  const given = request.bootUrls === undefined ? [] : typeof request.bootUrls === 'string' ? [request.bootUrls] : [...request.bootUrls];
  const hasKernel = request.kernelUrl !== undefined;
  if (given.length > 0 && hasKernel) {
    throw new InvalidInputError('E_USAGE', 'Give either boot URLs or a kernel URL, not both.', {
      hint: '--boot-url <url> chains the boot script from a g8boot boot service; --kernel <url> boots a G8OS kernel directly.',
    });
  }
  const kernelArgs = parseKernelArgs(request.kernelArgs);
  if (!hasKernel) {
    let targets: BootTarget[];
    if (given.length > 0) {
      const lanAddresses = thisComputersLanAddresses(facts);
      const urls = given.map((url, i) => parseBootUrl(url, { what: given.length > 1 ? `boot URL #${i + 1}` : 'boot URL', lanAddresses }));
      targets = labelBootUrls([...new Set(urls)], facts);
    } else {
      targets = defaultBootTargets({ ...facts, port: facts.defaultPort });
    }
    // The boot service adds these to the kernel's command line (stage-2 URL `&args=`).
    const stage2Urls = targets.map((t) => stage2UrlFor(t, networkId, kernelArgs));
    return { networkId, mode: 'chain', targets, stage2Urls, defaulted: given.length === 0, kernelArgs };
  }
  return {
    networkId,
    mode: 'inline',
    kernelUrl: parseNodeKernelUrl(request.kernelUrl!, { lanAddresses: thisComputersLanAddresses(facts) }),
    kernelArgs,
  };
}

export function stage1For(spec: BootMediaSpec): string {
  return spec.mode === 'chain'
    ? renderStage1({ networkId: spec.networkId, bootTargets: spec.targets, kernelArgs: spec.kernelArgs, generator: GENERATOR })
    : renderStage1({ networkId: spec.networkId, kernelUrl: spec.kernelUrl, kernelArgs: spec.kernelArgs, generator: GENERATOR });
}

const IMAGE_SUFFIX = { iso: '.iso', usb: '.img', efi: '-esp.img' } as const;

/** The file name people get for an image: g8os-<id>.iso (CD), .img (USB stick), -esp.img (the ESP alone). */
export function imageFileName(networkId: NetworkId | null, kind: keyof typeof IMAGE_SUFFIX): string {
  return `g8os-${networkId ?? 'nozt'}${IMAGE_SUFFIX[kind]}`;
}

/** What the image boots, in words: the stage-2 URLs (in order, each with where it works), or the kernel URL and its command line. */
export function describeTarget(spec: BootMediaSpec): string {
  if (spec.mode === 'inline') return [spec.kernelUrl, ...kernelCommandLine(spec.networkId, spec.kernelArgs)].join(' ');
  return spec.stage2Urls.map((url, i) => `${url} (${spec.targets[i]!.where})`).join(', then ');
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
