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
    .configureHelp({ sortSubcommands: false, showGlobalOptions: true })
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 failure, 2 bad input (nothing was changed), 3 missing component (toolchain, hypervisor, ZeroTier), 130 interrupted.',
    );
  registerDemoCommand(program);
  registerIsoCommands(program);
  registerBurnCommands(program);
  registerZerotierCommands(program);
  registerNodeCommands(program);
  registerServeCommands(program);
  registerVmCommands(program);
  registerToolchainCommands(program);
  // Apply to every (sub)command: usage errors exit 2 instead of commander's default 1.
  const applyExit = (cmd: Command) => {
    cmd.exitOverride();
    cmd.commands.forEach(applyExit);
  };
  applyExit(program);
  return program;
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
