'use strict';
// Interrupting an awaited loop: tslab stops waiting for the cell's promise, but the async function
// would keep running in the background. Timers scheduled while a cell runs are tagged with it;
// once that cell is interrupted their callbacks are dropped, so `await sleep()`/`setImmediate`
// based loops (training loops, tfjs' nextFrame) stop at their next tick.
const util = require('util');

/** @param {() => {interrupted: boolean} | null} currentCell */
function installTimerGate(currentCell) {
  const g = globalThis;
  const orig = { setTimeout: g.setTimeout, setInterval: g.setInterval, setImmediate: g.setImmediate, clearInterval: g.clearInterval };

  function gate(name, repeat) {
    const original = orig[name];
    const patched = function (callback, ...rest) {
      const cell = currentCell();
      if (!cell || typeof callback !== 'function') return original.call(this, callback, ...rest);
      let handle;
      const wrapped = function (...args) {
        if (cell.interrupted) {
          if (repeat) orig.clearInterval(handle);
          return undefined;
        }
        return callback.apply(this, args);
      };
      handle = original.call(this, wrapped, ...rest);
      return handle;
    };
    const custom = original[util.promisify.custom];
    if (custom) Object.defineProperty(patched, util.promisify.custom, { value: custom });
    Object.defineProperty(patched, 'name', { value: name });
    g[name] = patched;
  }
  gate('setTimeout', false);
  gate('setInterval', true);
  gate('setImmediate', false);
  // `await setTimeout(ms)` from 'timers/promises': an interrupted cell's wait never settles.
  const promises = require('timers/promises');
  const origPromises = { setTimeout: promises.setTimeout, setImmediate: promises.setImmediate };
  for (const name of ['setTimeout', 'setImmediate']) {
    const original = origPromises[name];
    promises[name] = function (...args) {
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
