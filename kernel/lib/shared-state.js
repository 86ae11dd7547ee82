'use strict';
// Slots of the Int32Array (over a SharedArrayBuffer) that the kernel's main thread and its I/O
// thread (io-thread.js) share. The I/O thread reads them while the main thread may be stuck in a
// cell, so everything it needs to decide about an interrupt lives here, not in messages.

const SLOTS = {
  /** Bumped by the main thread's event loop every 20 ms: unchanged = the loop is not turning. */
  TICK: 0,
  /** 1 while a cell runs (user code may be on the main thread). */
  CELL: 1,
  /** > 0 while the main thread runs kernel code that must finish (never force-stopped). */
  KERNEL_DEPTH: 2,
  /** Synchronous input (prompt()): 0 idle, 1 waiting, 2 answered, 3 interrupted. */
  INPUT: 3,
  /** How many times the I/O thread has force-stopped the main thread's JavaScript. */
  FORCED_STOPS: 5,
  /** Set to 1 by the I/O thread once its sockets are closed (the main thread waits for it at exit). */
  CLOSED: 6,
  /** 1 while the main thread waits for the I/O thread to switch its SIGINT handle (see io-thread.js). */
  SIGINT_SWITCH: 7,
  /** Shell requests the I/O thread has received so far (each request carries its number). */
  SHELL_RECEIVED: 8,
  /** 1 once the main thread is exiting: nothing may be force-stopped any more. */
  EXITING: 9,
};
const SIZE = 12;

const INPUT_IDLE = 0;
const INPUT_WAITING = 1;
const INPUT_ANSWERED = 2;
const INPUT_INTERRUPTED = 3;

/** @returns {Int32Array} */
function createSharedState() {
  return new Int32Array(new SharedArrayBuffer(SIZE * Int32Array.BYTES_PER_ELEMENT));
}

module.exports = { SLOTS, createSharedState, INPUT_IDLE, INPUT_WAITING, INPUT_ANSWERED, INPUT_INTERRUPTED };
