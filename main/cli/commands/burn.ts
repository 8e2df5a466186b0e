import { Option, type Command } from 'commander';
import { InvalidInputError, serializeError, G8bootError, ExitCode } from '../../common/errors.ts';
import { afterBurnWords, BURN_STEP_WORDS, burnProgressText, driveLabel, formatDriveSize, type BurnProgress, type BurnResult, type DriveView } from '../../common/burn.ts';
import { bootUrlOption } from './boot-url-option.ts';
import { printJson, printTable, say } from '../output.ts';

interface BurnOptions {
  list?: boolean;
  all?: boolean;
  json?: boolean;
  device?: string;
  image?: string;
  netid?: string;
  bootUrl: string[];
  kernel?: string;
  kernelArgs?: string;
  yes?: boolean;
  eject: boolean;
  toolchain?: string;
  writer?: boolean;
  sha256?: string;
  progressFile?: string;
}


/** `g8boot burn`: list sticks, or write a boot image to one and verify it. */
export function registerBurnCommands(program: Command): void {
  program
    .command('burn')
    .summary('write a boot image to a USB stick or SD card, verified')
    .description(
      'Write the boot image for a network id (built on the fly) or an image file to a USB stick or SD card, then\n' +
        'read it back and compare it, sync and eject. Only removable drives are accepted: system, internal (NVMe,\n' +
        'SATA), read-only and too-small drives are refused. A loop device named with --device stands in for a stick.\n' +
        'When not run as root, the write runs in a separate writer process started through pkexec (polkit asks for\n' +
        'your password); this process stays unprivileged.',
    )
    .option('--list', 'list the removable drives g8boot would write')
    .option('--all', 'with --list: also the hidden disks, and why each is hidden')
    .option('--device <path>', 'the drive to write, e.g. /dev/sdb (see --list)')
    .option('--image <file>', 'write this image file (built by `g8boot iso`) instead of building one')
    .option('--netid <id>', 'ZeroTier network id the image is built for (16 hex digits; 0 or null = no ZeroTier)')
    .addOption(bootUrlOption('a VM on this computer, then the LAN (as `g8boot iso`)'))
    .option('--kernel <url>', 'inline mode: G8OS kernel URL to chain directly')
    .option('--kernel-args <args>', 'extra kernel arguments')
    .option('-y, --yes', 'do not ask for confirmation (scripts)')
    .option('--no-eject', 'leave the drive attached after verifying')
    .option('--toolchain <dir>', 'iPXE toolchain directory (default: the bundled one)')
    .option('--json', 'print the list or the result as JSON')
    .addOption(new Option('--writer', 'run as the elevated writer (JSON lines on stdout)').hideHelp())
    .addOption(new Option('--sha256 <hex>', 'the image file\'s expected SHA-256 (writer)').hideHelp())
    .addOption(new Option('--progress-file <file>', 'append progress lines here (Windows writer)').hideHelp())
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  g8boot burn --list\n' +
        '  g8boot burn --netid 8056c2e21c000001 --boot-url http://192.168.1.10:8088 --device /dev/sdb\n' +
        '  g8boot burn --image g8os.iso --device /dev/sdb --yes\n' +
        '\nExit codes:\n' +
        '  0    written and verified\n' +
        '  1    failed (the message names the step)\n' +
        '  2    refused (nothing written)\n' +
        '  130  cancelled (the message says what the drive holds)',
    )
    .action(async (opts: BurnOptions) => {
      if (opts.writer) return runWriter(opts);
      if (opts.list) return listCommand(opts);
      return writeCommand(opts);
    });
}

async function listCommand(opts: BurnOptions): Promise<void> {
  const { listDrives } = await import('../../core/burn/drives.ts');
  const drives = (await listDrives()).filter((d) => opts.all || d.offered);
  if (opts.json) return printJson(drives);
  if (drives.length === 0) {
    say('No USB stick or SD card found. Plug one in and run this again (`--list --all` shows the disks that are hidden, and why).');
    return;
  }
  const headers = ['DEVICE', 'SIZE', 'MODEL', 'BUS', 'MOUNTED', ...(opts.all ? ['OFFERED'] : [])];
  printTable(
    headers,
    drives.map((d) => [
      d.device,
      formatDriveSize(d.sizeBytes),
      d.description,
      d.bus ?? '?',
      d.mountpoints.join(',') || '-',
      ...(opts.all ? [d.offered ? `yes${d.warnings.length ? ` (${d.warnings.join('; ')})` : ''}` : `no: ${d.hiddenBecause}`] : []),
    ]),
  );
}

async function imageFromOptions(opts: BurnOptions) {
  if (opts.image !== undefined) {
    if (opts.netid !== undefined || opts.bootUrl.length > 0 || opts.kernel !== undefined) {
      throw new InvalidInputError('E_USAGE', 'Give either --image or --netid (with --boot-url or --kernel), not both.');
    }
    return { image: { kind: 'file' as const, path: opts.image }, describe: opts.image };
  }
  if (opts.netid === undefined) {
    throw new InvalidInputError('E_USAGE', 'Say what to write: --netid <id> with --boot-url <url> (or --kernel <url>), or --image <file>.', {
      hint: 'e.g. g8boot burn --netid 8056c2e21c000001 --boot-url http://192.168.1.10:8088 --device /dev/sdb',
    });
  }
  const media = await import('../../core/boot/boot-media.ts');
  const spec = media.parseBootMediaRequest({ netid: opts.netid, bootUrls: opts.bootUrl, kernelUrl: opts.kernel, kernelArgs: opts.kernelArgs });
  const { loadToolchain } = await import('../../core/boot/toolchain/load.ts');
  const image = media.planBootMedia(await loadToolchain(opts.toolchain), spec);
  return {
    image: { kind: 'layout' as const, layout: image.layout, name: media.imageFileName(spec.networkId, 'usb') },
    describe: `the boot image for ${spec.networkId ?? 'no ZeroTier network'} (chains ${media.describeTarget(spec)})`,
  };
}

async function confirm(question: string): Promise<boolean> {
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(question);
    return /^(y|yes)$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

function progressPrinter(json: boolean | undefined): (p: BurnProgress) => void {
  const tty = process.stderr.isTTY && !json && !process.env.CI;
  let lastStep = '';
  return (p) => {
    if (!tty) {
      if (p.step !== lastStep && !json) say(`${BURN_STEP_WORDS[p.step]}…`);
      lastStep = p.step;
      return;
    }
    const amount = p.total ? ` (${(p.done / 1048576).toFixed(1)} of ${(p.total / 1048576).toFixed(1)} MiB)` : '';
    process.stderr.write(`\r\x1b[2K${burnProgressText(p)}${amount}`);
    lastStep = p.step;
  };
}

async function writeCommand(opts: BurnOptions): Promise<void> {
  if (!opts.device) {
    throw new InvalidInputError('E_USAGE', 'Name the drive to write with --device <path>.', { hint: '`g8boot burn --list` shows the sticks plugged in.' });
  }
  const { image, describe } = await imageFromOptions(opts);
  const core = await import('../../core/burn/index.ts');
  const { drive, source } = await core.checkBurn(opts.device, image);
  let go = opts.yes === true;
  if (!go) {
    if (!process.stdin.isTTY) {
      await source.close();
      throw new InvalidInputError('E_CONFIRMATION_NEEDED', `Writing ${driveLabel(drive)} erases everything on it: confirmation is needed.`, {
        hint: 'Run it in a terminal to answer the question, or add --yes.',
      });
    }
    say(`This writes ${describe} (${formatDriveSize(source.size)}) to`);
    say(`  ${driveLabel(drive)}${drive.mountpoints.length ? `, mounted at ${drive.mountpoints.join(', ')}` : ''}`);
    for (const warning of drive.warnings) say(`  warning: ${warning}`);
    go = await confirm('Everything on it will be erased. Write it? [y/N] ');
    if (!go) {
      await source.close();
      say('Nothing was written.');
      process.exitCode = ExitCode.usage;
      return;
    }
  }
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const printer = progressPrinter(opts.json);
  let result: BurnResult;
  try {
    result = await core.burn({
      drive,
      image,
      source,
      eject: opts.eject,
      onProgress: printer,
      signal: controller.signal,
      writer: { execPath: process.execPath, script: process.argv[1]! },
      elevate: process.env.G8BOOT_BURN_ELEVATE === 'always' ? 'always' : 'auto',
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (process.stderr.isTTY && !opts.json) process.stderr.write('\r\x1b[2K');
  }
  if (opts.json) {
    printJson({ ...result, verified: true });
    return;
  }
  const secs = (s: number) => `${s.toFixed(s < 10 ? 2 : 1)} s`;
  say(`Wrote and verified ${driveLabel(drive)}: ${(result.bytes / 1048576).toFixed(1)} MiB in ${secs(result.writeSeconds)}, read back in ${secs(result.verifySeconds)} (SHA-256 ${result.sha256}).`);
  say(!result.ejected && result.ejectProblem ? `Note: ${result.ejectProblem}.` : afterBurnWords(result.ejected));
  for (const note of result.notes) say(note);
}

/** The elevated writer: re-checks the drive itself, writes, verifies, ejects; JSON lines on stdout. */
async function runWriter(opts: BurnOptions): Promise<void> {
  const { appendFileSync, existsSync } = await import('node:fs');
  // Windows' elevated writer has no pipe back to the UI: its lines go to the progress file too, and a file beside
  // it cancels (the UI cannot reach an elevated process otherwise).
  const emit = (value: unknown) => {
    const line = `${JSON.stringify(value)}\n`;
    process.stdout.write(line);
    if (opts.progressFile) appendFileSync(opts.progressFile, line);
  };
  const cancelFile = opts.progressFile ? `${opts.progressFile}.cancel` : null;
  // Ctrl-C at the terminal reaches this root process too (the terminal signals its whole foreground group, pkexec's
  // child included): it cancels like the UI's closed stdin, so the person is told what the drive holds (exit 130),
  // instead of the writer dying mid-chunk with nothing said.
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
  try {
    if (!opts.device || !opts.image || !opts.sha256) throw new InvalidInputError('E_USAGE', 'The writer needs --device, --image and --sha256.');
    const core = await import('../../core/burn/index.ts');
    const { sha256OfSource } = await import('../../core/burn/image-source.ts');
    const { drive, source } = await core.checkBurn(opts.device, { kind: 'file', path: opts.image });
    const actual = await sha256OfSource(source);
    if (actual !== opts.sha256.toLowerCase()) {
      await source.close();
      throw new InvalidInputError('E_IMAGE_CHANGED', 'The image file is not the one g8boot built (its SHA-256 differs): nothing was written.', {
        hint: 'Something changed the temporary image; try again.',
      });
    }
    // The UI cancels by closing our stdin (it cannot signal a process running as root); on Windows, where the
    // elevated writer has no stdin from the UI, by creating the cancel file.
    if (!cancelFile) {
      process.stdin.on('end', () => controller.abort());
      process.stdin.on('error', () => controller.abort());
      process.stdin.resume();
    }
    const result = await core.burn({
      drive,
      image: { kind: 'file', path: opts.image },
      source,
      eject: opts.eject,
      onProgress: (progress) => {
        if (cancelFile && existsSync(cancelFile)) controller.abort();
        emit({ progress });
      },
      signal: controller.signal,
      writer: { execPath: process.execPath, script: process.argv[1]! },
      elevate: 'never',
    });
    emit({ result });
    process.stdin.pause();
    process.stdin.destroy();
  } catch (error) {
    const serialized = serializeError(error);
    const step = (error as { step?: unknown }).step;
    const offset = (error as { offset?: unknown }).offset;
    emit({ error: { ...serialized, ...(typeof step === 'string' ? { step, offset } : {}), exitCode: error instanceof G8bootError ? error.exitCode : 1 } });
    process.exitCode = error instanceof G8bootError ? error.exitCode : 1;
    process.stdin.destroy();
  }
}

export type { DriveView };
