import type { Command } from 'commander';

/** Placeholder: commands for this domain are added by its issue. */
export function registerZerotierCommands(_program: Command): void {}
