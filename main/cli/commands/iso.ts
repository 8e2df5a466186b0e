import type { Command } from 'commander';

/** Placeholder: commands for this domain are added by its issue. */
export function registerIsoCommands(_program: Command): void {}
