/**
 * The g8boot command line. Commands are declared up front (so `--help` lists everything) but each action
 * imports its core module only when it runs: `g8boot iso` never loads the ZeroTier or Redis code.
 */
import { Command, CommanderError } from 'commander';
import { ExitCode, InvalidInputError } from '../common/errors.ts';
import { reportError } from './output.ts';
import { registerDemoCommand } from './commands/demo.ts';
import { registerIsoCommands } from './commands/iso.ts';
import { registerToolchainCommands } from './commands/toolchain.ts';
import { registerZerotierCommands } from './commands/zt.ts';
import { registerNodeCommands } from './commands/nodes.ts';
import { registerServeCommands } from './commands/serve.ts';
import { registerVmCommands } from './commands/vm.ts';
import { registerBurnCommands } from './commands/burn.ts';
import { VERSION } from '../core/version.ts';

export function buildProgram(): Command {
  const program = new Command('g8boot')
    .description('Boot and manage G8OS nodes: iPXE boot images, ZeroTier membership, core0 Redis checks, test VMs.')
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({
      sortSubcommands: false,
      showGlobalOptions: true,
      // Command lists show names only (arguments are in each command's own --help): the description column is
      // then wide enough for commander to wrap it at word boundaries in an 80-column terminal.
      subcommandTerm: (cmd) => [cmd.name(), ...cmd.aliases()].join('|'),
    })
    .addHelpText('after', START_HERE)
    .addHelpText('after', '\nExit codes: 0 ok, 1 failure, 2 bad input (nothing was changed),\n3 missing component (toolchain, hypervisor, ZeroTier), 130 interrupted.');
  registerDemoCommand(program);
  registerIsoCommands(program);
  registerBurnCommands(program);
  registerZerotierCommands(program);
  registerNodeCommands(program);
  registerServeCommands(program);
  registerVmCommands(program);
  registerToolchainCommands(program);
  // Apply to every (sub)command: usage errors exit 2 instead of commander's default 1, and one description each.
  const applyToAll = (cmd: Command) => {
    cmd.exitOverride();
    // Lists show the summary (as written); the command's own --help shows the description as sentences.
    if (!cmd.summary() && cmd.description()) cmd.summary(cmd.description().split('\n')[0] ?? '');
    cmd.description(helpDescription(cmd));
    cmd.commands.forEach(applyToAll);
  };
  applyToAll(program);
  return program;
}

/** What the top-level help says first to someone new. */
const START_HERE = [
  '',
  'Where to start:',
  '  npx g8boot demo           an offline demo network; it prints what to try next',
  '  npx g8boot iso --help     a boot image for your G8OS nodes (or: serve)',
  '  npx g8boot nodes <nwid>   every node of your network and its core0 (or: watch)',
  'Every command has --help.',
].join('\n');

/**
 * A command's own --help text: its description, else its summary as a sentence. Line breaks inside a paragraph
 * become spaces: a break typed for one terminal width cuts sentences at any other, and commander wraps paragraphs
 * to the terminal by itself (blank lines still separate paragraphs).
 */
export function helpDescription(cmd: Command): string {
  const text = cmd.description() || cmd.summary();
  let sentence = text.length > 0 ? `${text[0]!.toUpperCase()}${text.slice(1)}` : text;
  if (sentence.length > 0 && !/[.!?)]$/.test(sentence)) sentence += '.';
  return sentence.replace(/([^\n]) *\n(?!\n) */g, '$1 ');
}

export async function main(argv: readonly string[] = process.argv): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv as string[]);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') {
        return ExitCode.ok;
      }
      // commander already printed the message.
      return ExitCode.usage;
    }
    const json = argv.includes('--json');
    return reportError(error, { json });
  }
}

/** Shared by command modules: wrap a value parser so commander reports our message with exit code 2. */
export function invalid(message: string, hint?: string): never {
  throw new InvalidInputError('E_USAGE', message, { hint });
}
