/**
 * `g8boot toolchain fetch|status`: get the iPXE and isolinux binaries from Debian's archive and check them.
 * `npm run toolchain` and the postinstall script run `toolchain fetch`.
 */
import { resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { Option, type Command } from 'commander';
import { ExitCode, G8bootError, serializeError } from '../../common/errors.ts';
import { print, printJson, printTable, say } from '../output.ts';
import { startProgress, type Progress } from '../progress.ts';
import type { FetchProgress, ToolchainManifest } from '../../core/boot/toolchain/index.ts';
// Constants only (no dependencies): the fetcher itself is imported when a command runs.
import { DEFAULT_DEBIAN_MIRROR, DEFAULT_DEBIAN_SUITE } from '../../core/boot/toolchain/contents.ts';

interface FetchOptions {
  mirror?: string;
  suite?: string;
  dir?: string;
  force?: boolean;
  ifMissing?: boolean;
  json?: boolean;
}

interface StatusOptions {
  dir?: string;
  json?: boolean;
}

export function registerToolchainCommands(program: Command): void {
  const toolchain = program
    .command('toolchain')
    .summary('fetch or check the bundled iPXE toolchain')
    .description("The iPXE toolchain: iPXE and isolinux binaries from Debian's archive, used to build boot images.");

  toolchain
    .command('fetch')
    .description("Download iPXE and isolinux from Debian's archive, verify them against the archive's SHA256 lists and install them.")
    .option('--mirror <url>', `Debian mirror (default: $G8BOOT_DEBIAN_MIRROR, else ${DEFAULT_DEBIAN_MIRROR})`)
    .option('--suite <suite>', `Debian suite (default: $G8BOOT_DEBIAN_SUITE, else ${DEFAULT_DEBIAN_SUITE})`)
    .option('--dir <dir>', 'toolchain directory (default: $G8BOOT_TOOLCHAIN_DIR, else resources/toolchain in the project)')
    .option('--force', 'download everything again and reinstall, even when up to date')
    .addOption(new Option('--if-missing', 'do nothing (and use no network) when a verified toolchain is already there').conflicts('force'))
    .option('--json', 'print the result as JSON')
    .action(async (options: FetchOptions) => {
      const { checkToolchain, fetchToolchain, findToolchainDir } = await import('../../core/boot/toolchain/index.ts');
      const dir = options.dir ? resolve(options.dir) : findToolchainDir();
      const before = await checkToolchain(dir);
      if (options.ifMissing && before.ok && before.manifest) {
        report(options, 'present', dir, before.manifest);
        return;
      }
      const interrupt = new AbortController();
      const onSigint = () => interrupt.abort(new G8bootError('E_INTERRUPTED', 'Interrupted.'));
      process.once('SIGINT', onSigint);
      const bars = progressPerFile();
      try {
        const manifest = await fetchToolchain({
          mirror: options.mirror,
          suite: options.suite,
          dir,
          force: options.force,
          signal: interrupt.signal,
          onProgress: bars.update,
          onNotice: (message) => say(`g8boot: ${message}`),
        });
        await bars.stop();
        const unchanged = !options.force && before.ok && isDeepStrictEqual(before.manifest, manifest);
        report(options, unchanged ? 'up-to-date' : 'fetched', dir, manifest);
      } catch (error) {
        await bars.stop();
        if (!interrupt.signal.aborted) throw error;
        say(`g8boot: interrupted; ${dir} was left as it was.`);
        process.exitCode = ExitCode.interrupted;
      } finally {
        process.removeListener('SIGINT', onSigint);
      }
    });

  toolchain
    .command('status')
    .description('Show where the toolchain is, which package versions it holds and whether every file verifies (exit 3 when missing or damaged).')
    .option('--dir <dir>', 'toolchain directory (default: $G8BOOT_TOOLCHAIN_DIR, else resources/toolchain in the project)')
    .option('--json', 'print the status as JSON')
    .action(async (options: StatusOptions) => {
      const { checkToolchain, findToolchainDir } = await import('../../core/boot/toolchain/index.ts');
      const status = await checkToolchain(options.dir ? resolve(options.dir) : findToolchainDir());
      const { manifest } = status;
      if (options.json) {
        printJson({
          dir: status.dir,
          ok: status.ok,
          mirror: manifest?.mirror ?? null,
          suite: manifest?.suite ?? null,
          sourceDateEpoch: manifest?.sourceDateEpoch ?? null,
          packages: manifest?.packages ?? [],
          files: status.files,
          error: status.error ? serializeError(status.error) : null,
        });
        if (!status.ok) process.exitCode = ExitCode.missingDependency;
        return;
      }
      print(`iPXE toolchain: ${status.dir}`);
      if (manifest) {
        print(`From Debian ${manifest.suite} at ${manifest.mirror}\n`);
        printTable(['PACKAGE', 'VERSION'], manifest.packages.map((p) => [p.name, p.version]));
        print('');
        printTable(['FILE', 'STATUS'], status.files.map((f) => [f.file, f.ok ? 'ok' : (f.problem ?? 'damaged')]));
      }
      if (status.error) throw status.error;
    });
}

function report(options: FetchOptions, status: 'fetched' | 'up-to-date' | 'present', dir: string, manifest: ToolchainManifest): void {
  if (options.json) {
    printJson({ status, dir, manifest });
    return;
  }
  const what = { fetched: 'Fetched the iPXE toolchain into', 'up-to-date': 'The iPXE toolchain is up to date in', present: 'The iPXE toolchain is already in' }[status];
  say(`${what} ${dir} (Debian ${manifest.suite}, ${manifest.mirror}):`);
  const width = Math.max(...manifest.packages.map((p) => p.name.length));
  for (const p of manifest.packages) say(`  ${p.name.padEnd(width)}  ${p.version}`);
}

/** One progress bar per download, labelled with the file being fetched. */
function progressPerFile(): { update: (event: FetchProgress) => void; stop: () => Promise<void> } {
  let current: { file: string; progress: Promise<Progress> } | undefined;
  return {
    update({ file, done, total }) {
      if (current?.file !== file) {
        void current?.progress.then((p) => p.stop());
        current = { file, progress: startProgress({ label: file, unit: 'bytes' }) };
      }
      void current.progress.then((p) => p.update(done, total));
    },
    async stop() {
      await current?.progress.then((p) => p.stop());
      current = undefined;
    },
  };
}
