import { readFileSync } from 'node:fs';
import { isPairecError } from '../errors.js';
import { helpText } from './command.js';
import type { Command } from './command.js';
import { COMMANDS } from './commands.js';

/** Where the dispatcher writes: the process's streams, or a test's buffers. */
export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

/** Exit statuses every command shares; a command's own (validate's 1) come from its run. */
export const EXIT_USAGE = 2;

/** The version in package.json: dist/src/cli/ → the package folder. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}

function usage(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width + 2)}${c.summary}`);
  return ['usage: pairec <command> [options]', '       pairec <command> --help', '       pairec --version', '', 'commands:', ...lines, ''].join('\n');
}

/** `--help` or `-h` among a command's arguments (before a `--`, after which arguments are not options). */
function asksHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/**
 * Runs `pairec ARGV`: help, version, or one command. Resolves to the exit status, or
 * undefined while a server keeps running. A wrong command line exits 2 with the message
 * (naming the unknown option or command) and where to find help.
 */
export async function runCli(argv: readonly string[], io: CliOutput, commands: readonly Command[] = COMMANDS): Promise<number | undefined> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.err(usage(commands));
    return EXIT_USAGE;
  }
  if (name === 'help' || name === '--help' || name === '-h') {
    io.out(usage(commands));
    return 0;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    io.out(`${packageVersion()}\n`);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.err(`pairec: ${name.startsWith('-') ? `unknown option '${name}'` : `unknown command "${name}"`}\n${usage(commands)}`);
    return EXIT_USAGE;
  }
  if (asksHelp(rest)) {
    io.out(helpText(command));
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (isPairecError(err) && err.code === 'ERR_USAGE') {
      io.err(`pairec ${command.name}: ${err.message}\nsee: pairec ${command.name} --help\n`);
      return EXIT_USAGE;
    }
    const msg = isPairecError(err) ? `${err.code} ${err.message}` : err instanceof Error ? err.message : String(err);
    io.err(`pairec ${command.name}: ${msg}\n`);
    return 1;
  }
}
