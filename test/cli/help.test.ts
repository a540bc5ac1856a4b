import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Help } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMAND_CATALOG } from '../../src/cli/command-catalog.js';
import { EXIT_CODES } from '../../src/cli/exit-code-for.js';
import { ENVIRONMENT_VARIABLES } from '../../src/cli/render-top-level-help.js';

const MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const help = (...args: string[]): string => execFileSync(process.execPath, [MAIN, ...args, '--help'], { encoding: 'utf8', env: { PATH: process.env.PATH } });

/** The command names under "Commands:" of a help text. */
function listCommands(text: string): string[] {
  const section = text.split('\nCommands:\n')[1]!.split('\n\n')[0]!;
  return [...section.matchAll(/^ {2}([a-z-]+)/gm)].map((m) => m[1]!).filter((name) => name !== 'help');
}

const topLevel = help();
const commands = listCommands(topLevel);

describe('--help', () => {
  it('lists the environment variables and every exit code at the top level', () => {
    for (const [name] of ENVIRONMENT_VARIABLES) expect(topLevel).toContain(`  ${name}`);
    for (const [code, meaning] of EXIT_CODES) expect(topLevel).toContain(`  ${code}  ${meaning}`);
    expect(EXIT_CODES.map(([code]) => code)).toEqual([0, 1, 2, 3, 4]);
    expect(topLevel).toMatch(/Example:\n {2}export ONOFFICE_TOKEN=/);
  });

  it('lists every variable the configuration reads, and no other', () => {
    const source = readFileSync(new URL('../../src/config/read-config.ts', import.meta.url), 'utf8');
    const read = new Set([...source.matchAll(/\benv\.([A-Z][A-Z_]+)/g)].map((m) => m[1]!));
    const secrets = /SECRET_VARIABLES = \[([^\]]+)\]/.exec(source)![1]!.match(/[A-Z_]+/g)!;
    for (const name of secrets) {
      read.add(name);
      read.add(`${name}_FILE`);
    }
    read.add('ONOFFICE_SYNC_DEBUG');
    const listed = new Set(ENVIRONMENT_VARIABLES.flatMap(([names]) => names.split(', ')));
    expect([...listed].sort()).toEqual([...read].sort());
  });

  it.each(['daemon', 'demo', 'doctor', 'emulator', 'export', 'feed', 'migrate', 'serve', 'status', 'sync'])('%s is listed and its help gives an example', (name) => {
    expect(commands).toContain(name);
    expect(help(name)).toMatch(new RegExp(`\\nExample:\\n {2}(\\S+=\\S+ )?onoffice-sync ${name}\\b`));
  });

  it('gives an example for each feed subcommand', () => {
    const subcommands = listCommands(help('feed'));
    expect(subcommands).toEqual(['add', 'rotate', 'remove', 'list']);
    for (const name of subcommands) expect(help('feed', name)).toMatch(new RegExp(`\\nExample:\\n {2}onoffice-sync feed ${name}\\b`));
  });

  it('has no command without an example, whoever adds one', () => {
    const missing = commands.filter((name) => !/\nExample:\n {2}\S/.test(help(name)));
    expect(missing).toEqual([]);
  });
});

describe('the command catalog (what --help lists without loading a command)', () => {
  it.each(COMMAND_CATALOG.map((entry) => [entry.name, entry] as const))('%s: the catalog says what the command itself says', async (_name, entry) => {
    const command = (await entry.load())();
    expect(command.name()).toBe(entry.name);
    expect(command.summary() || command.description()).toBe(entry.description);
    expect(new Help().subcommandTerm(command)).toBe(entry.term);
  });

  it('holds every command file of src/cli', () => {
    const files = readdirSync(new URL('../../src/cli/', import.meta.url)).filter((name) => name.endsWith('-command.ts'));
    expect(files.map((name) => name.replace('-command.ts', '')).sort()).toEqual(COMMAND_CATALOG.map((entry) => entry.name).sort());
  });
});
