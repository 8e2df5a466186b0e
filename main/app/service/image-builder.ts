/** "Build boot image…": validate, ask where to save, build with the core's image writer, report progress. */
import { InvalidInputError } from '../../common/errors.ts';
import type { BuildImageRequest, BuildImageResult } from '../../common/ipc.ts';
import { checkOutputPath, imageFileName, parseBootMediaRequest, planBootMedia, sha256OfLayout, writeBootImageFile } from '../../core/boot/boot-media.ts';
import type { BootHostFacts } from '../../core/boot/boot-targets.ts';
import { loadToolchain } from '../../core/boot/toolchain/load.ts';

export interface SaveFileOptions {
  defaultName: string;
  filters: { name: string; extensions: string[] }[];
}

export async function buildImage(
  request: BuildImageRequest,
  options: {
    env: NodeJS.ProcessEnv;
    toolchainDir: string | undefined;
    saveFile: (options: SaveFileOptions) => Promise<string | null>;
    progress: (done: number, total: number) => void;
    /** This computer's interfaces: label the boot URLs and give the defaults. */
    hostFacts?: BootHostFacts | undefined;
    /** The boot service's port (the defaults point there). */
    defaultPort?: number | undefined;
  },
): Promise<BuildImageResult | null> {
  if (request.kind !== 'hybrid' && request.kind !== 'esp') {
    throw new InvalidInputError('E_USAGE', `Unknown image kind ${JSON.stringify(request.kind)}.`, { hint: 'Use hybrid (ISO + USB) or esp (EFI System Partition).' });
  }
  // Everything is checked before the dialog: a bad network id should not cost the person a file choice.
  const spec = parseBootMediaRequest(
    { netid: request.netid, bootUrls: request.bootUrls, kernelUrl: request.kernelUrl, kernelArgs: request.kernelArgs },
    { ...options.hostFacts, defaultPort: options.defaultPort },
  );
  const toolchain = await loadToolchain(options.toolchainDir);
  const path = await options.saveFile(
    request.kind === 'hybrid'
      ? { defaultName: imageFileName(spec.networkId, 'iso'), filters: [{ name: 'ISO / USB image', extensions: ['iso', 'img'] }] }
      : { defaultName: imageFileName(spec.networkId, 'efi'), filters: [{ name: 'EFI System Partition image', extensions: ['img'] }] },
  );
  if (path === null) return null;
  const target = await checkOutputPath(path);
  const image = planBootMedia(toolchain, spec, options.env);
  const layout = request.kind === 'hybrid' ? image.layout : image.esp;
  options.progress(0, layout.size);
  const written = await writeBootImageFile(layout, target);
  options.progress(layout.size, layout.size);
  return { path: written.path, bytes: written.bytes, sha256: sha256OfLayout(layout) };
}
