import type { Command } from 'commander';

/** Placeholder: commands for this domain are added by its issue. */
export function registerVmCommands(_program: Command): void {}
