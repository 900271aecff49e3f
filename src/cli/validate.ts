import type { CommandRun } from './command.js';
import type { VALIDATE_OPTIONS } from './commands.js';

export const runValidate: CommandRun<typeof VALIDATE_OPTIONS> = () => Promise.resolve(0);
