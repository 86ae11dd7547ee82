/**
 * util.parseArgs for the tsdl commands: `-h/--help` prints the command's usage, and parse errors
 * name the option and point at that usage.
 */
import { parseArgs, type ParseArgsConfig } from 'util';

type Options = NonNullable<ParseArgsConfig['options']>;
type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: O & { help: { type: 'boolean'; short: 'h' } } }>>;

/** Parses `argv` for `tsdl <command>`; returns null after printing `usage` for -h/--help. */
export function parseCommandLine<O extends Options>(argv: string[], command: string, usage: string, options: O): Parsed<O> | null {
  let parsed: Parsed<O>;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { ...options, help: { type: 'boolean', short: 'h' } } }) as Parsed<O>;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const option = /Option '([^' ]+)/.exec(e.message)?.[1] ?? /option '([^']+)'/i.exec(e.message)?.[1];
    const help = `(\`tsdl ${command} --help\` lists the options)`;
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new Error(`unknown option ${option ?? e.message} ${help}`);
    if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new Error(`${option ?? 'an option'} needs a value ${help}`);
    throw err;
  }
  if ((parsed.values as { help?: boolean }).help) {
    console.log(usage);
    return null;
  }
  return parsed;
}
