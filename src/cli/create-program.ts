import type { Command as CommandType } from 'commander';
import { COMMAND_CATALOG, type CommandEntry } from './command-catalog.js';
import { loadCommander } from './load-commander.js';
import { renderTopLevelHelp } from './render-top-level-help.js';

const { Command, Help } = loadCommander();

/**
 * The program for one command line: the command it names is loaded (its module imported), every other
 * command is a placeholder from the catalog that only the top-level help and commander's "did you
 * mean" read. `--help` alone loads no command module.
 */
export async function createProgram(argv: readonly string[] = process.argv): Promise<CommandType> {
  const named = findCommandName(argv.slice(2));
  const program = new Command('onoffice-sync')
    .description('Sync onOffice enterprise appointments to CalDAV calendars and ICS feeds, and back.')
    .version('0.1.0')
    .showHelpAfterError()
    .addHelpText('after', renderTopLevelHelp())
    .configureHelp({ subcommandTerm: (command) => COMMAND_CATALOG.find((entry) => entry.name === command.name())?.term ?? new Help().subcommandTerm(command) });
  for (const entry of COMMAND_CATALOG) program.addCommand(entry.name === named ? (await entry.load())() : createPlaceholder(entry));
  // An unknown command or option is a usage error (exit 2, with the usage), not "items failed" (1).
  overrideExit(program);
  return program;
}

/** The command the arguments run or ask help for (`sync …`, `help sync`); undefined for `--help` alone. */
function findCommandName(args: readonly string[]): string | undefined {
  // The program has no option of its own that takes a value, so the first operand is the command.
  const operands = args.filter((arg) => !arg.startsWith('-'));
  return operands[0] === 'help' ? operands[1] : operands[0];
}

function createPlaceholder(entry: CommandEntry): CommandType {
  return new Command(entry.name).description(entry.description);
}

function overrideExit(command: CommandType): void {
  command.exitOverride().showHelpAfterError();
  for (const sub of command.commands) overrideExit(sub);
}
