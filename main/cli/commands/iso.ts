import type { Command } from 'commander';
import { DEFAULT_BOOT_SERVICE_PORT, portOf, TEST_VM_CONSOLE } from '../../common/boot-url.ts';
import { bootUrlOption } from './boot-url-option.ts';
import { printJson, say } from '../output.ts';

interface IsoOptions {
  netid: string;
  bootUrl: string[];
  kernel?: string;
  kernelArgs?: string;
  output: string;
  efiOnly?: boolean;
  json?: boolean;
  toolchain?: string;
}

/** `g8boot iso`: build a hybrid iPXE boot image (ISO and USB in one file) for a network id. */
export function registerIsoCommands(program: Command): void {
  program
    .command('iso')
    .alias('usb')
    .summary('build a bootable iPXE ISO/USB image for a ZeroTier network')
    .description(
      'Build a hybrid iPXE boot image for a ZeroTier network id: the same file boots as a CD and written to a USB\n' +
        'stick, on BIOS and UEFI. Stage 1 brings up the network and chains the boot script from a g8boot boot\n' +
        'service (--boot-url, repeatable: tried in order), or boots a G8OS kernel directly (--kernel) with\n' +
        'zerotier=<id> on its command line.\n\n' +
        'A boot URL is resolved by the machine that boots: 127.0.0.1, localhost and 0.0.0.0 are refused. Without\n' +
        `--boot-url and --kernel the image tries a VM on this computer (http://10.0.2.2:${DEFAULT_BOOT_SERVICE_PORT}), then this\n` +
        `computer's LAN addresses at port ${DEFAULT_BOOT_SERVICE_PORT}; it says which on the console. Images for a VM on this computer ask\n` +
        `stage 2 for the serial console (console=${TEST_VM_CONSOLE}; a console= in --kernel-args replaces it).`,
    )
    .requiredOption('--netid <id>', 'ZeroTier network id (16 hex digits; 0 or null = no ZeroTier)')
    .addOption(bootUrlOption('a VM on this computer, then the LAN'))
    .option('--kernel <url>', 'inline mode: G8OS kernel URL to chain directly')
    .option('--kernel-args <args>', 'extra kernel arguments, e.g. "development console=ttyS0" (with --boot-url they are passed to the service)')
    .requiredOption('-o, --output <file>', 'where to write the image ("-" for standard output)')
    .option('--efi-only', 'write only the EFI System Partition image (FAT), for UEFI HTTP boot or a FAT stick')
    .option('--toolchain <dir>', 'iPXE toolchain directory (default: the bundled one)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        `  g8boot iso --netid 8056c2e21c000001 -o g8os.iso                       # a VM here, then this computer's LAN addresses\n` +
        `  g8boot iso --netid 8056c2e21c000001 --boot-url http://10.0.2.2:${DEFAULT_BOOT_SERVICE_PORT} -o vm.iso\n` +
        `  g8boot iso --netid 8056c2e21c000001 --boot-url http://192.168.1.10:${DEFAULT_BOOT_SERVICE_PORT} --boot-url https://boot.example.org -o g8os.iso\n` +
        '  g8boot iso --netid 8056c2e21c000001 --kernel https://example.org/g8os.efi --kernel-args development -o g8os.iso',
    )
    .action(async (opts: IsoOptions) => {
      const started = performance.now();
      const media = await import('../../core/boot/boot-media.ts');
      const spec = media.parseBootMediaRequest({
        netid: opts.netid,
        bootUrls: opts.bootUrl,
        kernelUrl: opts.kernel,
        kernelArgs: opts.kernelArgs,
      });
      const toStdout = opts.output === '-';
      const path = toStdout ? '-' : await media.checkOutputPath(opts.output);
      // load.ts, not the index: the fetcher (undici, xz) is not needed to read an installed toolchain.
      const { loadToolchain } = await import('../../core/boot/toolchain/load.ts');
      const toolchain = await loadToolchain(opts.toolchain);
      const image = media.planBootMedia(toolchain, spec);
      const layout = opts.efiOnly ? image.esp : image.layout;
      if (toStdout) {
        const { pipeLayout } = await import('../../core/boot/layout.ts');
        await pipeLayout(layout, process.stdout);
        return;
      }
      const written = await media.writeBootImageFile(layout, path);
      const ms = performance.now() - started;
      if (opts.json) {
        printJson({
          output: written.path,
          bytes: written.bytes,
          sha256: media.sha256OfLayout(layout),
          networkId: spec.networkId,
          mode: spec.mode,
          chains: spec.mode === 'chain' ? spec.stage2Urls : spec.kernelUrl,
          ...(spec.mode === 'chain' ? { bootUrls: spec.targets, defaultBootUrls: spec.defaulted } : {}),
          ...(spec.mode === 'inline' ? { kernelArgs: spec.kernelArgs } : {}),
          kind: opts.efiOnly ? 'esp' : 'hybrid-iso',
          ms: Math.round(ms * 10) / 10,
        });
      } else {
        say(`Wrote ${written.path} (${(written.bytes / 1048576).toFixed(1)} MiB, ${opts.efiOnly ? 'EFI System Partition' : 'hybrid ISO/USB, BIOS + UEFI'}) in ${ms.toFixed(0)} ms.`);
        if (spec.mode === 'inline') say(`It boots iPXE, brings up the network and chains ${media.describeTarget(spec)}`);
        else {
          say(`It boots iPXE, brings up the network and fetches the boot script from ${spec.targets.length > 1 ? 'these boot URLs' : 'this boot URL'}${spec.defaulted ? ' (the defaults; choose with --boot-url)' : ''}${spec.targets.length > 1 ? ', in order' : ''}:`);
          spec.targets.forEach((t, i) => say(`  ${i + 1}. ${spec.stage2Urls[i]}  — ${t.where}`));
          if (spec.targets.some((t) => t.reach === 'lan')) {
            say(`LAN machines reach the boot service only if it listens there: g8boot serve --listen 0.0.0.0:${portOf(spec.targets.find((t) => t.reach === 'lan')!.url)}`);
          }
        }
      }
    });
}
