'use strict';
// Kernel-side output capture: while `run(sink, fn)` runs `fn` (and what it awaits), the cell's
// display_data, clear_output and stream output go to `sink` instead of IOPub. The library's Output
// widget uses it when no widget frontend is attached (nbclient, nbconvert, scripts): the widget
// then holds its outputs in its own `outputs` state, which needs nothing from the client. The
// frontend way (the widget's msg_id, the client routing outputs into it and sending them back)
// makes nbclient send on the shell socket while it awaits execute_reply there, which can lose
// that reply in jupyter_client for good (see python/run_nbconvert.py).
const { AsyncLocalStorage } = require('async_hooks');

/**
 * @typedef {{ output_type: 'display_data', data: Record<string, unknown>, metadata: Record<string, unknown> }} DisplayOutput
 * @typedef {{ active: boolean,
 *   output: (output: DisplayOutput, displayId: string | undefined) => void,
 *   update: (displayId: string, output: DisplayOutput) => boolean,
 *   stream: (name: 'stdout' | 'stderr', text: string) => void,
 *   clear: (wait: boolean) => void }} OutputSink
 */

class OutputCapture {
  constructor() {
    /** @type {AsyncLocalStorage<OutputSink>} */
    this.storage = new AsyncLocalStorage();
  }

  /**
   * Runs `fn` with output going to `sink` for as long as `sink.active` stays true (timers and
   * promises `fn` starts keep the sink, so the owner switches it off when the capture ends).
   * @template T
   * @param {OutputSink} sink
   * @param {() => T} fn
   * @returns {T}
   */
  run(sink, fn) {
    if (!sink || ['output', 'update', 'stream', 'clear'].some((m) => typeof (/** @type {any} */ (sink))[m] !== 'function')) {
      throw new TypeError('captureOutputs(sink, fn): sink needs output(), update(), stream() and clear() methods');
    }
    return this.storage.run(sink, fn);
  }

  /** The sink capturing output here, or null. */
  current() {
    const sink = this.storage.getStore();
    return sink && sink.active ? sink : null;
  }

  /**
   * Hands output to `sink` (by default the one capturing here): true when it took it. A sink that
   * throws (its widget was closed, say) is switched off, and the output goes to the cell instead:
   * a print never fails because of where it was going.
   * @param {(sink: OutputSink) => boolean | void} give
   * @param {OutputSink | null} [sink]
   */
  deliver(give, sink = this.current()) {
    if (!sink || !sink.active) return false;
    try {
      return give(sink) !== false;
    } catch (e) {
      sink.active = false;
      return false;
    }
  }
}

module.exports = { OutputCapture };
