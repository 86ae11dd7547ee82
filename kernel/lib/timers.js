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
    /** @this {unknown} */
    const patched = function (/** @type {unknown} */ callback, /** @type {any[]} */ ...rest) {
      const cell = currentCell();
      if (!cell || typeof callback !== 'function') return original.call(this, callback, ...rest);
      /** @type {any} */
      let handle;
      /** @this {unknown} */
      const wrapped = function (/** @type {any[]} */ ...args) {
        if (cell.interrupted) {
          if (repeat) orig.clearInterval(handle);
          return undefined;
        }
        try {
          return callback.apply(this, args);
        } catch (e) {
          onThrow(cell);
          throw e;
        }
      };
      handle = original.call(this, wrapped, ...rest);
      return handle;
    };
    const custom = original[util.promisify.custom];
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
      return cell ? p.then((v) => (cell.interrupted ? new Promise(() => {}) : v)) : p;
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
