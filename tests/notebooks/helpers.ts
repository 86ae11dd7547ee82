// Shared helpers for the notebook tests: running the runner, headless Chromium, free ports.
import * as net from 'net';
import * as path from 'path';
import { spawn } from 'child_process';

export { CHROMIUM, CHROMIUM_ARGS, launchChromium } from '../browser';

export const root = path.resolve(__dirname, '..', '..');

/** Plotly charts each notebook's report must draw (the tests' knowledge, not the learner's). */
export const CHARTS: Record<string, number> = {
  '01-activation-functions': 5,
  '02-activations-on-images': 3,
  '03-relu-vs-linear-mnist': 1,
  '04-leaky-relu-cifar10-cnn': 3,
  '05-activation-comparison': 2,
  '06-deep-networks': 9,
};
export interface RunResult {
  status: number | null;
  output: string;
}

/** Runs `tsdl run ARGS` (bin/tsdl.js) and returns its exit status and combined output. */
export function runRunner(args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(root, 'bin', 'tsdl.js'), 'run', ...args], {
      cwd: root, env: { ...process.env, ...(options.env ?? {}) }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    const timer = setTimeout(() => {
      output += `\n[test] runner killed after ${options.timeoutMs} ms`;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 20 * 60 * 1000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, output });
    });
  });
}

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
