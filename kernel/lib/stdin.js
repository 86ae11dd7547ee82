'use strict';
// Input from the frontend (input_request / input_reply on the stdin channel), for `dl.input()`
// (async) and the global `prompt()` (synchronous: the main thread blocks until the I/O thread has
// the reply, as Python's input() does). Only while a cell runs whose request allows stdin;
// otherwise a StdinNotAllowedError says why and what to do instead. An interrupt ends a wait with
// a KeyboardInterrupt.
const { receiveMessageOnPort } = require('worker_threads');
const { KeyboardInterrupt } = require('./errors');
const { SLOTS, INPUT_IDLE, INPUT_WAITING, INPUT_ANSWERED, INPUT_INTERRUPTED } = require('./shared-state');

class StdinNotAllowedError extends Error {
  /** @param {string} what */
  constructor(what) {
    super(what);
    this.name = 'StdinNotAllowedError';
  }
}

/**
 * @typedef {{allowStdin: boolean, identities: Buffer[], header: any, interrupted: boolean}} InputCell
 */

class Stdin {
  /**
   * @param {{send: (frames: Buffer[]) => void, encode: (cell: InputCell, prompt: string, password: boolean) => Buffer[],
   *   shared: Int32Array, port: import('worker_threads').MessagePort, currentCell: () => InputCell | null,
   *   onBlock?: (delta: 1 | -1) => void}} opts
   */
  constructor(opts) {
    this.opts = opts;
    /** @type {{resolve: (v: string) => void, reject: (e: Error) => void} | null} */
    this.pending = null;
    /** @type {Promise<unknown>} one request at a time: the frontend shows one prompt */
    this.chain = Promise.resolve();
  }

  /**
   * @param {string} caller e.g. 'dl.input()'
   * @returns {InputCell}
   */
  cellFor(caller) {
    const cell = this.opts.currentCell();
    if (!cell) {
      throw new StdinNotAllowedError(`${caller} asks the frontend for input, which is only possible while a cell runs; `
        + 'call it from the cell that needs the value (and await it there).');
    }
    if (!cell.allowStdin) {
      throw new StdinNotAllowedError(`${caller} asks the frontend for input, but this frontend does not allow it `
        + '(execute_request allow_stdin is false, e.g. nbconvert/nbclient or papermill); '
        + 'pass the value another way (a variable, a parameter, an environment variable) when the notebook runs unattended.');
    }
    return cell;
  }

  /**
   * Asks the frontend for one line; resolves with what the user typed.
   * @param {string} prompt
   * @param {boolean} password the frontend hides what is typed
   * @returns {Promise<string>}
   */
  request(prompt, password) {
    /** @type {InputCell} */
    let cell;
    try {
      cell = this.cellFor('dl.input()');
    } catch (e) {
      return Promise.reject(e);
    }
    const ask = () => new Promise((resolve, reject) => {
      if (cell.interrupted) { reject(new KeyboardInterrupt('input was interrupted')); return; }
      this.pending = { resolve, reject };
      this.opts.send(this.opts.encode(cell, prompt, password));
    });
    const result = this.chain.then(ask, ask);
    this.chain = result.catch(() => {});
    return /** @type {Promise<string>} */ (result);
  }

  /**
   * The same, blocking the main thread until the reply (the global prompt()).
   * @param {string} prompt
   * @param {boolean} password
   * @returns {string}
   */
  requestSync(prompt, password) {
    const cell = this.cellFor('prompt()');
    const { shared, port, onBlock } = this.opts;
    if (cell.interrupted) throw new KeyboardInterrupt('input was interrupted');
    Atomics.store(shared, SLOTS.INPUT, INPUT_WAITING);
    if (onBlock) onBlock(1);
    try {
      this.opts.send(this.opts.encode(cell, prompt, password));
      while (Atomics.load(shared, SLOTS.INPUT) === INPUT_WAITING) Atomics.wait(shared, SLOTS.INPUT, INPUT_WAITING, 1000);
      const state = Atomics.load(shared, SLOTS.INPUT);
      if (state === INPUT_INTERRUPTED) throw new KeyboardInterrupt('input was interrupted');
      const got = state === INPUT_ANSWERED ? receiveMessageOnPort(port) : undefined;
      return got ? String(got.message.value) : '';
    } finally {
      Atomics.store(shared, SLOTS.INPUT, INPUT_IDLE);
      if (onBlock) onBlock(-1);
    }
  }

  /**
   * An input_reply for the async request (the I/O thread answers a blocked prompt() itself).
   * @param {string} value
   */
  onReply(value) {
    const p = this.pending;
    this.pending = null;
    if (p) p.resolve(value);
  }

  /** Interrupt: the waiting request ends with a KeyboardInterrupt. */
  interrupt() {
    const p = this.pending;
    this.pending = null;
    if (p) p.reject(new KeyboardInterrupt('input was interrupted'));
  }
}

module.exports = { Stdin, StdinNotAllowedError };
