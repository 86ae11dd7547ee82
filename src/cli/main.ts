/** The `tsdl` command: `tsdl kernel install`, `tsdl run`, `tsdl data`, `tsdl bench`. */
import { packageVersion } from '../util/package-root';

export const USAGE = `Usage: tsdl <command> [options]   (tsdl <command> --help for each)

Commands:
  kernel install   register the tsdl Jupyter kernel ("TypeScript (tsdl)") for this installation
  run              execute notebooks and write their reports (executed .ipynb, HTML, metrics)
  data             pre-fetch and verify the data sets (MNIST, Fashion-MNIST, CIFAR-10)
  bench            training speed of each backend beside PyTorch on this machine

Options: -h, --help   this text;  -v, --version   tsdl's version`;

type Command = (argv: string[]) => number | Promise<number>;

// Each command is loaded only when used: `tsdl kernel install` must not load TensorFlow.js.
const COMMANDS: Record<string, () => Command> = {
  kernel: () => require('./kernel-install').kernelCommand,
  run: () => require('./run/index').runCommand,
  data: () => require('./data').dataCommand,
  bench: () => require('./bench').benchCommand,
};

/** Runs the command line; resolves to the exit code. Errors are printed as one message, not a stack. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    console.log(USAGE);
    return name === undefined ? 1 : 0;
  }
  if (name === '-v' || name === '--version') {
    console.log(packageVersion());
    return 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    console.error(`tsdl: unknown command ${JSON.stringify(name)}.\n${USAGE}`);
    return 2;
  }
  try {
    return await load()(rest);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    console.error(`tsdl ${name}: ${e && e.message ? e.message : String(err)}`);
    if (process.env.TSDL_DEBUG) console.error(e && e.stack);
    return 2;
  }
}
