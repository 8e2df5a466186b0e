/**
 * Help text as a person reads it, through the built CLI: every command (subcommands too) has a description in its
 * own --help, no paragraph is cut by a typed line break, command lists fit 80 columns, and the top-level help says
 * where to start.
 */
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../main/cli/main.ts';
import { runCli } from '../helpers/cli.ts';

/** Every command path: ["zt", "members"], ["vm", "up"]... */
function commandPaths(command: Command, prefix: string[] = []): string[][] {
  return command.commands.filter((c) => c.name() !== 'help').flatMap((c) => [[...prefix, c.name()], ...commandPaths(c, [...prefix, c.name()])]);
}

/** The description paragraph(s) of a --help page: between the Usage line and the first section. */
function descriptionOf(help: string): string {
  const lines = help.split('\n');
  const end = lines.findIndex((line, i) => i > 1 && /^(Arguments|Options|Commands|Global Options):$/.test(line));
  return lines.slice(1, end).join('\n').trim();
}

describe('help', () => {
  const paths = commandPaths(buildProgram());

  it('lists the commands people look for, vm subcommands included', () => {
    const names = paths.map((p) => p.join(' '));
    for (const name of ['demo', 'zt members', 'nodes', 'watch', 'export', 'serve', 'vm up', 'vm ls', 'vm logs', 'vm down', 'vm rm']) expect(names).toContain(name);
  });

  it('every command has a description in its own --help, in whole sentences', async () => {
    const problems: string[] = [];
    for (const path of paths) {
      const run = await runCli([...path, '--help']);
      const name = path.join(' ');
      if (run.code !== 0) problems.push(`${name}: exit ${run.code}`);
      // Beyond 80 columns only example command lines (indented `g8boot …`) and option terms may go.
      for (const line of run.stdout.split('\n')) {
        if (line.length > 80 && !/^ {2}(g8boot |-)/.test(line)) problems.push(`${name}: a line wider than 80 columns: ${JSON.stringify(line)}`);
      }
      const description = descriptionOf(run.stdout);
      if (description.length < 10) problems.push(`${name}: no description`);
      // Commander wraps each paragraph at 80 columns: every line of a paragraph but its last is long. A short
      // line inside a paragraph is a typed line break cutting a sentence.
      for (const paragraph of description.split(/\n\s*\n/)) {
        const lines = paragraph.split('\n');
        lines.slice(0, -1).forEach((line) => {
          if (line.length < 55) problems.push(`${name}: a short line inside a paragraph: ${JSON.stringify(line)}`);
        });
      }
    }
    expect(problems).toEqual([]);
  }, 120_000);

  it('the top-level help says where to start, and fits 80 columns', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Where to start:\n {2}npx g8boot demo +an offline demo network; it prints what to try next\n/);
    expect(run.stdout.split('\n').filter((line) => line.length > 80)).toEqual([]);
    // `demo` comes first in the list of commands.
    expect(run.stdout).toMatch(/Commands:\n {2}demo +start here/);
  });
});
