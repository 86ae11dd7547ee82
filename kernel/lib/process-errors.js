'use strict';
// The kernel owns the process-level error events for the whole session: an exception thrown by a
// callback after its cell ended, an unhandled rejection, a throw in process.nextTick are reported
// (to the cell that scheduled the callback, else the running or last cell) and the kernel keeps
// running. Libraries may still listen: tfjs-backend-wasm (Emscripten) adds
// `process.on('uncaughtException', ex => { throw ex })`, which would make every late error fatal.
// Listeners added for these events are wrapped, so whatever they throw is reported instead of
// ending the process; `removeListener(original)` still works (the wrapper's `.listener`).

const EVENTS = new Set(['uncaughtException', 'unhandledRejection']);

/**
 * @param {{report: (kind: 'exception' | 'rejection' | 'listener', error: unknown) => void}} opts
 * @returns {{restore: () => void}}
 */
function ownProcessErrors({ report }) {
  /** @type {Record<string, (...args: any[]) => void>} */
  const own = {
    uncaughtException: (err) => report('exception', err),
    unhandledRejection: (reason) => report('rejection', reason),
  };
  /** @param {string} event @param {Function} listener @param {boolean} once */
  const guard = (event, listener, once) => {
    /** @this {unknown} */
    function guarded(/** @type {any[]} */ ...args) {
      if (once) process.removeListener(event, guarded);
      try {
        return listener.apply(this, args);
      } catch (e) {
        // `ex => { throw ex }` rethrows what the kernel already reported.
        if (e !== args[0]) report('listener', e);
        return undefined;
      }
    }
    guarded.listener = listener;
    return guarded;
  };
  const p = /** @type {any} */ (process);
  /** @type {Record<string, any>} */
  const originals = {};
  for (const method of ['on', 'addListener', 'prependListener', 'once', 'prependOnceListener']) {
    const original = p[method];
    originals[method] = original;
    const once = method.toLowerCase().includes('once');
    const add = once ? (method === 'once' ? originals.on : originals.prependListener) : original;
    p[method] = function (/** @type {string | symbol} */ event, /** @type {Function} */ listener) {
      if (typeof event === 'string' && EVENTS.has(event) && typeof listener === 'function' && listener !== own[event]) {
        add.call(this, event, guard(event, listener, once));
        return this;
      }
      return original.apply(this, arguments);
    };
  }
  // removeAllListeners('uncaughtException') must not take the kernel's own handler with it.
  const removeAll = p.removeAllListeners;
  originals.removeAllListeners = removeAll;
  p.removeAllListeners = function (/** @type {string | symbol | undefined} */ event) {
    const out = removeAll.apply(this, arguments);
    for (const name of EVENTS) {
      if ((event === undefined || event === name) && !process.listeners(/** @type {any} */ (name)).includes(own[name])) {
        originals.on.call(process, name, own[name]);
      }
    }
    return out;
  };
  for (const name of EVENTS) {
    // Listeners added before the kernel started (none in practice) are wrapped too.
    const earlier = process.listeners(/** @type {any} */ (name));
    removeAll.call(process, name);
    originals.on.call(process, name, own[name]);
    for (const l of earlier) originals.on.call(process, name, guard(name, l, false));
  }
  return {
    restore() {
      Object.assign(p, originals);
      for (const name of EVENTS) process.removeListener(/** @type {any} */ (name), own[name]);
    },
  };
}

module.exports = { ownProcessErrors };
