import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/tools/cli.js';
import { TOOLS } from '../../src/tools/index.js';

describe('command-line program', () => {
  const program = buildProgram();
  const names = program.commands.map((c) => c.name());

  it('has master, cyr_info and every tool of TOOLS, each with --help', () => {
    expect(names).toEqual(expect.arrayContaining(['master', 'worker', 'cyr_info']));
    for (const register of TOOLS) {
      const alone = new Command();
      register(alone);
      expect(alone.commands.length).toBeGreaterThan(0);
      for (const command of alone.commands) {
        expect(names).toContain(command.name());
        const registered = program.commands.find((c) => c.name() === command.name())!;
        expect(registered.helpInformation()).toMatch(/^Usage: /);
        expect(registered.description().length).toBeGreaterThan(0);
      }
    }
  });

  it('master takes Cyrus options -C -M -D -p', () => {
    const master = program.commands.find((c) => c.name() === 'master')!;
    const flags = master.options.map((o) => o.short);
    expect(flags).toEqual(expect.arrayContaining(['-C', '-M', '-D', '-p']));
  });
});
