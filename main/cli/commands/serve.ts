/**
 * `g8boot serve` (the boot service) and `g8boot kernel add|ls|rm|default` (its kernel cache).
 */
import type { Command } from 'commander';
import { DEFAULT_BOOT_SERVICE_PORT, NAT_GUEST_HOST } from '../../common/boot-url.ts';
import { isLoopbackHost, parseListenAddress } from '../../common/validate.ts';
import { printJson, printJsonLine, printTable, say } from '../output.ts';
import { startProgress } from '../progress.ts';
import { untilStopSignal } from '../stop-signal.ts';

interface ServeOptions {
  listen: string;
  publicUrl?: string;
  kernelDir?: string;
  kernelUrl?: string;
  kernelArgs?: string;
  json?: boolean;
  quiet?: boolean;
}

const DEFAULT_LISTEN = `127.0.0.1:${DEFAULT_BOOT_SERVICE_PORT}`;

export function registerServeCommands(program: Command): void {
  program
    .command('serve')
    .summary('run the boot service: iPXE scripts, ISO/USB images and kernels per network id')
    .description(
      'Run the boot service of the original G8OS design: stage-2 iPXE scripts (/g8os.ipxe?netid=<id>, /ipxe/<id>),\n' +
        'hybrid images whose stage 1 chains back here (/iso/<id>, /usb/<id>, /efi/<id>) and kernels from the local\n' +
        'cache (/kernel/<name>). Binds 127.0.0.1 unless told otherwise. Stops cleanly on SIGTERM or Ctrl-C.',
    )
    .option('--listen <addr:port>', 'address and port to listen on (0.0.0.0:PORT serves your LAN)', DEFAULT_LISTEN)
    .option('--public-url <url>', 'base URL other machines (bare-metal providers) reach this service at; images chain to it (default: the address each request arrived on, never its Host header)')
    .option('--kernel-dir <dir>', 'directory of G8OS kernels served as /kernel/<name> (default: g8boot\'s kernel cache)')
    .option('--kernel-url <url>', 'boot this kernel URL instead of the local default kernel')
    .option('--kernel-args <args>', 'kernel arguments for every node, e.g. "development console=ttyS0"')
    .option('--json', 'print each boot request as a JSON line')
    .option('--quiet', 'do not log boot requests')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        [
          ['g8boot serve', `VMs on this computer: QEMU/VirtualBox NAT guests reach it at http://10.0.2.2:${DEFAULT_BOOT_SERVICE_PORT}`],
          [`g8boot serve --listen 0.0.0.0:${DEFAULT_BOOT_SERVICE_PORT}`, 'machines on your LAN too'],
          [`g8boot serve --listen 0.0.0.0:${DEFAULT_BOOT_SERVICE_PORT} --public-url https://boot.example.org`, 'behind a proxy, for bare-metal providers'],
          ['g8boot kernel add ./g8os-kernel.efi', 'the kernel it serves (once)'],
        ]
          .map(([command, what]) => `  ${command!.padEnd(38)} # ${what}`)
          .join('\n'),
    )
    .action(async (opts: ServeOptions) => {
      // Listen for Ctrl-C/SIGTERM before anything is said: a process with no listener dies of SIGTERM at once, and
      // whoever waits for 'listening on' may send it in the instant between that line and a later listener.
      const stopSignal = untilStopSignal();
      const { parseKernelArgs } = await import('../../common/validate.ts');
      const { parseBootUrl, parseNodeKernelUrl } = await import('../../common/boot-url.ts');
      const listen = parseListenAddress(opts.listen);
      const publicUrl = opts.publicUrl === undefined ? undefined : parseBootUrl(opts.publicUrl, { what: 'public URL' });
      const kernelUrl = opts.kernelUrl === undefined ? undefined : parseNodeKernelUrl(opts.kernelUrl);
      const kernelArgs = parseKernelArgs(opts.kernelArgs);
      const { checkKernelDir, defaultKernel, defaultKernelDir, listKernels } = await import('../../core/boot/service/kernels.ts');
      const kernelDir = opts.kernelDir ?? defaultKernelDir();
      await checkKernelDir(kernelDir);
      const { loadToolchain } = await import('../../core/boot/toolchain/load.ts');
      const toolchain = await loadToolchain();
      const { startBootService } = await import('../../core/boot/service/server.ts');
      const service = await startBootService({ ...listen, publicUrl, kernelDir, kernelUrl, kernelArgs, toolchain });

      const kernel = kernelUrl ?? (await defaultKernel(kernelDir))?.name;
      say(`g8boot boot service listening on ${service.url}${publicUrl ? ` (public URL ${publicUrl})` : ''}`);
      if (!isLoopbackHost(service.host)) {
        say(`Serving beyond this machine (${service.host}): any machine that can reach this port can fetch boot images and kernels.`);
        say(publicUrl ? `Images chain to ${publicUrl}.` : 'Images chain to the address of this machine each request arrived on (never the Host a client sends); set --public-url for machines behind NAT or a proxy.');
      } else {
        say(`Loopback only: VMs on this computer reach it as ${NAT_GUEST_HOST} (QEMU user networking, VirtualBox NAT), and its images chain there; use --listen 0.0.0.0:${service.port} for LAN machines.`);
      }
      say(kernel ? `Kernel: ${kernel}` : `No kernel yet: stage 2 will tell nodes so. Add one with \`g8boot kernel add <file|url>\` (directory ${kernelDir}).`);
      for (const k of kernelUrl ? [] : await listKernels(kernelDir)) {
        if (k.problem) say(`Not offered as a kernel: ${k.name} (${k.problem}).`);
      }
      const here = service.url.replace('://0.0.0.0:', '://127.0.0.1:').replace('://[::]:', '://[::1]:');
      say(`Try: ${here}/ in a browser, or ${here}/iso/<network id>`);

      service.events.on('boot', (e) => {
        if (opts.quiet) return;
        if (opts.json) printJsonLine(e);
        else say(`${new Date(e.time).toISOString()} ${e.remote} ${e.route} ${e.networkId === undefined ? '-' : (e.networkId ?? '0')} ${e.status} ${e.userAgent || '-'}`);
      });
      service.events.on('failure', (error) => say(`error while answering a request: ${(error as Error).message ?? error}`));

      const signal = await stopSignal;
      say(`${signal}: stopping the boot service...`);
      await service.close(5000);
    });

  const kernel = program
    .command('kernel')
    .summary("manage the boot service's kernel cache")
    .description("The boot service's kernel cache: G8OS kernels served as /kernel/<name>, so nodes boot without internet.");
  kernel
    .command('add <source>')
    .description('Add a G8OS kernel from a file or an http(s) URL (downloads resume after an interruption).')
    .option('--name <name>', 'file name in the cache (default: the source\'s file name)')
    .option('--default', 'make it the kernel stage 2 boots')
    .option('--sha256 <hex>', 'refuse the kernel unless its SHA256 is this')
    .option('--kernel-dir <dir>', 'kernel cache directory')
    .option('--json', 'print the result as JSON')
    .action(async (source: string, opts: { name?: string; default?: boolean; sha256?: string; kernelDir?: string; json?: boolean }) => {
      const { addKernel, defaultKernelDir } = await import('../../core/boot/service/kernels.ts');
      const progress = await startProgress({ label: 'Downloading', unit: 'bytes' });
      try {
        const added = await addKernel({
          dir: opts.kernelDir ?? defaultKernelDir(),
          source,
          name: opts.name,
          makeDefault: opts.default,
          sha256: opts.sha256,
          onProgress: (done, total) => progress.update(done, total),
        });
        progress.stop();
        if (opts.json) printJson(added);
        else {
          say(`Added ${added.name} (${(added.bytes / 1048576).toFixed(1)} MiB) to ${added.path}${added.resumedFrom ? `, resumed at ${added.resumedFrom} bytes` : ''}.`);
          say(`SHA256 ${added.sha256}${added.isDefault ? '\nIt is the default kernel.' : ''}`);
        }
      } finally {
        progress.stop();
      }
    });
  kernel
    .command('ls')
    .description('List the kernels in the cache.')
    .option('--kernel-dir <dir>', 'kernel cache directory')
    .option('--json', 'print as JSON')
    .action(async (opts: { kernelDir?: string; json?: boolean }) => {
      const { listKernels, defaultKernelDir } = await import('../../core/boot/service/kernels.ts');
      const dir = opts.kernelDir ?? defaultKernelDir();
      const kernels = await listKernels(dir);
      if (opts.json) return printJson(kernels);
      if (kernels.length === 0) return say(`No kernels in ${dir}. Add one with \`g8boot kernel add <file|url>\`.`);
      printTable(
        ['NAME', 'SIZE', 'MODIFIED', 'DEFAULT', 'INITRD', 'PROBLEM'],
        kernels.map((k) => [k.name, `${(k.bytes / 1048576).toFixed(1)} MiB`, k.modified.toISOString(), k.isDefault ? 'yes' : '', k.initrd ? 'yes' : '', k.problem ? `not a kernel: ${k.problem}` : '']),
      );
    });
  kernel
    .command('default <name>')
    .description('Make <name> the kernel stage 2 boots.')
    .option('--kernel-dir <dir>', 'kernel cache directory')
    .action(async (name: string, opts: { kernelDir?: string }) => {
      const { setDefaultKernel, defaultKernelDir } = await import('../../core/boot/service/kernels.ts');
      await setDefaultKernel(opts.kernelDir ?? defaultKernelDir(), name);
      say(`${name} is now the default kernel.`);
    });
  kernel
    .command('rm <name>')
    .description('Remove a kernel from the cache.')
    .option('--kernel-dir <dir>', 'kernel cache directory')
    .action(async (name: string, opts: { kernelDir?: string }) => {
      const { removeKernel, defaultKernelDir } = await import('../../core/boot/service/kernels.ts');
      await removeKernel(opts.kernelDir ?? defaultKernelDir(), name);
      say(`Removed ${name}.`);
    });
}
