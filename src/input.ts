/**
 * Asking the user for a value: `const name = await dl.input('Your name? ')`, or
 * `await dl.input('Token: ', { password: true })` (the frontend hides what is typed).
 *
 * Inside the tsdl kernel this is Jupyter's input_request / input_reply (ipykernel's `input()`,
 * Deno's `prompt()`); the kernel also provides a synchronous global `prompt(message, default)`.
 * A frontend that does not allow input (nbconvert, nbclient, papermill: allow_stdin false) makes
 * it fail at once with a StdinNotAllowedError saying so. Outside a kernel the line is read from
 * the process's stdin.
 */
import * as readline from 'readline';
import { kernelBridge } from './kernel-bridge';

export interface InputOptions {
  /** Hide what is typed (passwords, tokens). */
  password?: boolean;
}

declare global {
  /** Inside the tsdl kernel: asks the frontend for a line (blocks until it answers). */
  function prompt(message?: string, _default?: string): string | null;
}

/** What the tsdl kernel installs at globalThis[Symbol.for('tsdl.kernel')] (see kernel/lib/server.js). */
interface InputBridge {
  input(prompt: string, password: boolean): Promise<string>;
}

/** Shows `prompt` and resolves with the line the user typed (without its newline). */
export function input(prompt = '', options: InputOptions = {}): Promise<string> {
  const bridge = kernelBridge<InputBridge>('input');
  if (bridge) return bridge.input(String(prompt), options.password === true);
  return readLine(String(prompt));
}

function readLine(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    if (process.stdin.readableEnded) {
      reject(new Error(`input(${JSON.stringify(prompt)}): stdin is closed; there is no one to answer (pass the value another way).`));
      return;
    }
    const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: false });
    let answered = false;
    rl.question(prompt, (line) => {
      answered = true;
      rl.close();
      resolve(line);
    });
    rl.on('close', () => {
      if (!answered) reject(new Error(`input(${JSON.stringify(prompt)}): stdin ended before a line was typed.`));
    });
  });
}
