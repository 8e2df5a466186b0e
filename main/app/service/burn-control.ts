/**
 * "Write to USB stick…" in the app: the drive list the dialog polls, and one write at a time, built from the same
 * image request as Build boot image and written by the core's burn (here when the app may open the drive, else
 * through the elevated writer: the app itself never runs as root). Its status goes out as `burn-progress` and in
 * AppState, for the window and the tray.
 */
import { G8bootError, serializeError } from '../../common/errors.ts';
import type { BurnImageRequest, BurnProgress, BurnResult, BurnStatusView, DriveView } from '../../common/burn.ts';
import { imageFileName, parseBootMediaRequest, planBootMedia } from '../../core/boot/boot-media.ts';
import { loadToolchain } from '../../core/boot/toolchain/load.ts';
import { burn, BurnError, checkBurn, driveForDevice, listDrives, thisHost, type DriveHost } from '../../core/burn/index.ts';
import { partialStateHint } from '../../core/burn/burn-error.ts';
import type { WriterProgram } from '../../core/burn/elevate.ts';

export interface BurnControlOptions {
  env: NodeJS.ProcessEnv;
  toolchainDir: string | undefined;
  /** How the elevated writer is started: the CLI bundle run by Electron as Node (ELECTRON_RUN_AS_NODE=1). */
  writer: WriterProgram;
  host?: DriveHost | undefined;
  onChange: (status: BurnStatusView) => void;
}

/**
 * Devices named explicitly in G8BOOT_BURN_DEVICES (colon-separated), e.g. a loop device standing in for a stick:
 * offered like one when the core accepts it (as `g8boot burn --device` does), though never found by the listing.
 */
const namedDevices = (env: NodeJS.ProcessEnv) => (env.G8BOOT_BURN_DEVICES ?? '').split(':').filter((d) => d.startsWith('/dev/'));

export function createBurnControl(options: BurnControlOptions) {
  const host = options.host ?? thisHost();
  let status: BurnStatusView | null = null;
  let controller: AbortController | null = null;

  const publish = (next: BurnStatusView) => {
    status = next;
    options.onChange(next);
  };

  /** The write itself, once this request holds the one write slot (`own` cancels it). */
  async function writeClaimed(request: BurnImageRequest, own: AbortController): Promise<BurnResult> {
    const spec = parseBootMediaRequest({ netid: request.netid, bootUrls: request.bootUrls, kernelUrl: request.kernelUrl, kernelArgs: request.kernelArgs });
    const image = planBootMedia(await loadToolchain(options.toolchainDir), spec, options.env);
    const stickImage = { kind: 'layout', layout: image.layout, name: imageFileName(spec.networkId, 'usb') } as const;
    const named = namedDevices(options.env).includes(request.device);
    // The same checks as the CLI's --device: the renderer's pick is not trusted to be a stick.
    const { drive, source } = await checkBurn(request.device, stickImage, host);
    if (drive.bus === 'loop' && !named) {
      await source.close();
      throw new G8bootError('E_DRIVE_REFUSED', `${drive.device} is a loop device, not a stick.`, { hint: 'Name it in G8BOOT_BURN_DEVICES to write it on purpose.' });
    }
    const started: BurnProgress = { step: 'prepare', done: 0, total: source.size, bytesPerSecond: 0, etaSeconds: null };
    const base = { device: drive.device, description: drive.description, sizeBytes: drive.sizeBytes, result: null, error: null };
    publish({ ...base, state: 'running', progress: started });
    try {
      if (own.signal.aborted) {
        await source.close();
        throw new BurnError('write', 'Cancelled before writing.', { offset: 0, cancelled: true, hint: partialStateHint(0, source.size) });
      }
      const result = await burn({
        drive,
        image: stickImage,
        source,
        eject: true,
        signal: own.signal,
        writer: options.writer,
        host,
        onProgress: (progress) => publish({ ...base, state: 'running', progress }),
      });
      publish({ ...base, state: 'verified', progress: { step: 'eject', done: result.bytes, total: result.bytes, bytesPerSecond: 0, etaSeconds: 0 }, result });
      return result;
    } catch (error) {
      const serialized = serializeError(error);
      const step = (error as { step?: BurnStatusView['progress']['step'] }).step;
      const offset = (error as { offset?: number | null }).offset;
      publish({
        ...base,
        state: serialized.code === 'E_BURN_CANCELLED' ? 'cancelled' : 'failed',
        progress: status?.progress ?? started,
        error: { ...serialized, ...(step ? { step, offset: offset ?? null } : {}) },
      });
      throw error;
    }
  }

  return {
    status: (): BurnStatusView | null => status,

    async listDrives(): Promise<DriveView[]> {
      const drives = await listDrives(host);
      for (const device of namedDevices(options.env)) {
        if (drives.some((d) => d.device === device)) continue;
        const drive = await driveForDevice(device, host).catch(() => null);
        if (drive) drives.push(drive);
      }
      return drives;
    },

    async burnImage(request: BurnImageRequest): Promise<BurnResult> {
      if (controller) {
        throw new G8bootError('E_BURN_BUSY', `A stick is being written already (${status?.description ?? 'another drive'}).`, { hint: 'Wait for it to finish, or cancel it.' });
      }
      // Claimed before the first await: a second request arriving while this one builds the image and checks the
      // drive (a double click) must be refused as busy, not start a second writer on the same drive. A cancel sent
      // meanwhile is honoured before anything is written.
      const own = new AbortController();
      controller = own;
      try {
        return await writeClaimed(request, own);
      } finally {
        controller = null;
      }
    },

    async cancel(): Promise<void> {
      controller?.abort();
    },

    dispose(): void {
      controller?.abort();
    },
  };
}
