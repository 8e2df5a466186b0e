import type { Command } from 'commander';

/** Placeholder: commands for this domain are added by its issue. */
export function registerServeCommands(_program: Command): void {}
