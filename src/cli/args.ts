/** util.parseArgs with messages that name the option and point at the command's --help. */
import { parseArgs, type ParseArgsConfig } from 'util';

export function parseCommandLine<T extends ParseArgsConfig>(config: T, command: string): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const option = /Option '([^' ]+)/.exec(e.message)?.[1] ?? /option '([^']+)'/i.exec(e.message)?.[1];
    const help = `(\`tsdl ${command} --help\` lists the options)`;
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new Error(`unknown option ${option ?? e.message} ${help}`);
    if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new Error(`${option ?? 'an option'} needs a value ${help}`);
    if (e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') throw new Error(`${e.message} ${help}`);
    throw err;
  }
}
