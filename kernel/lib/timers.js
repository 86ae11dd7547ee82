'use strict';
// Interrupting an awaited loop: tslab stops waiting for the cell's promise, but the async function
// would keep running in the background. Timers scheduled while a cell runs are tagged with it;
// once that cell is interrupted their callbacks are dropped, so `await sleep()`/`setImmediate`
// based loops (training loops, tfjs' nextFrame) stop at their next tick. An exception thrown by a
// timer callback is attributed to the cell that scheduled it (`onThrow` runs just before it
// reaches the process's uncaughtException handler).
const util = require('util');

/**
 * @template {{interrupted: boolean}} Cell
 * @param {() => Cell | null} currentCell
 * @param {(cell: Cell) => void} [onThrow]
 */
function installTimerGate(currentCell, onThrow = () => {}) {
  const g = globalThis;
  const orig = { setTimeout: g.setTimeout, setInterval: g.setInterval, setImmediate: g.setImmediate, clearInterval: g.clearInterval };

  /** @param {'setTimeout' | 'setInterval' | 'setImmediate'} name @param {boolean} repeat */
  function gate(name, repeat) {
    const original = /** @type {Function} */ (orig[name]);
    // An immediate's callback runs from a microtask queued by the immediate: code the kernel's
    // I/O thread force-stops (see io-thread.js) is then never inside Node's processImmediate loop,
    // which a stop there would leave broken for the rest of the session.
    const deferred = name === 'setImmediate';
    /** @this {unknown} */
    const patched = function (/** @type {unknown} */ callback, /** @type {any[]} */ ...rest) {
      const cell = currentCell();
      if (typeof callback !== 'function' || (!cell && !deferred)) return original.call(this, callback, ...rest);
      /** @type {any} */
      let handle;
      /** @param {unknown} self @param {any[]} args */
      const run = (self, args) => {
        if (cell && cell.interrupted) {
          if (repeat) orig.clearInterval(handle);
          return undefined;
        }
        try {
          return callback.apply(self, args);
        } catch (e) {
          if (cell) onThrow(cell);
          throw e;
        }
      };
      const wrapped = deferred
        ? /** @this {unknown} */ function (/** @type {any[]} */ ...args) { queueMicrotask(() => run(this, args)); }
        : /** @this {unknown} */ function (/** @type {any[]} */ ...args) { return run(this, args); };
      handle = original.call(this, wrapped, ...rest);
      return handle;
    };
    const custom = /** @type {any} */ (original)[util.promisify.custom];
    if (custom) Object.defineProperty(patched, util.promisify.custom, { value: custom });
    Object.defineProperty(patched, 'name', { value: name });
    /** @type {any} */ (g)[name] = patched;
  }
  gate('setTimeout', false);
  gate('setInterval', true);
  gate('setImmediate', false);
  // `await setTimeout(ms)` from 'timers/promises': an interrupted cell's wait never settles.
  const promises = require('timers/promises');
  const origPromises = { setTimeout: promises.setTimeout, setImmediate: promises.setImmediate };
  for (const name of /** @type {const} */ (['setTimeout', 'setImmediate'])) {
    const original = /** @type {Function} */ (origPromises[name]);
    /** @type {any} */ (promises)[name] = function (/** @type {any[]} */ ...args) {
      const cell = currentCell();
      const p = original.apply(this, args);
      return cell ? p.then((/** @type {unknown} */ v) => (cell.interrupted ? new Promise(() => {}) : v)) : p;
    };
  }
  /** The original timer functions (for the kernel's own use); restore() undoes the patch (tests). */
  return {
    ...orig,
    restore() {
      Object.assign(g, { setTimeout: orig.setTimeout, setInterval: orig.setInterval, setImmediate: orig.setImmediate });
      Object.assign(promises, origPromises);
    },
  };
}

module.exports = { installTimerGate };
