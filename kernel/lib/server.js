'use strict';
// The tsdl kernel: Jupyter messaging (spec 5.3) over ZeroMQ around tslab's converter and executor.
// Shell requests run one at a time in arrival order; control requests (interrupt, shutdown,
// kernel_info) are answered at once. Every output (stdout/stderr, display data, errors, results)
// is published on IOPub with the executing cell's request as parent, including output produced by
// async code while the cell awaits.
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const util = require('util');
const wire = require('./wire');
const { History } = require('./history');
const { isComplete } = require('./is-complete');
const { installTimerGate } = require('./timers');
const { toMimeBundle, normalizeBundle } = require('./mime');
const { CommManager } = require('./comms');

const BRIDGE = Symbol.for('tsdl.kernel');

class Kernel {
  /**
   * @param {{connectionFile: string, createRunner: () => ReturnType<import('./cell-runner').createCellRunner>,
   *   tslabDir: string, zmq: any, banner: string, implementationVersion: string, typescriptVersion: string}} opts
   *   createRunner is called on first use: loading TypeScript takes ~1 s, so the sockets answer
   *   kernel_info before that and frontends see the kernel ready sooner.
   */
  constructor(opts) {
    this.opts = opts;
    this.conn = JSON.parse(fs.readFileSync(opts.connectionFile, 'utf8'));
    this.key = this.conn.key || '';
    this.scheme = this.conn.signature_scheme || 'hmac-sha256';
    this.session = crypto.randomUUID();
    this.lazyRunner = null;
    this.history = new History(1);
    this.executionCount = 0;
    /** Request header of the running cell, or of the last one (late async output goes there). */
    this.outputParent = null;
    /** The running cell: {interrupted} while an execute_request is being run. */
    this.running = null;
    this.shellQueue = [];
    this.shellBusy = false;
    this.streams = { stdout: '', stderr: '' };
    this.flushScheduled = false;
    this.realWrite = { stdout: process.stdout.write.bind(process.stdout), stderr: process.stderr.write.bind(process.stderr) };
    this.timers = installTimerGate(() => this.running);
    this.comms = new CommManager(this);
  }

  get runner() {
    if (!this.lazyRunner) {
      this.lazyRunner = this.opts.createRunner();
      this.hookTslabDisplay();
    }
    return this.lazyRunner;
  }

  log(...args) {
    this.realWrite.stderr(`[tsdl kernel] ${util.format(...args)}\n`);
  }

  async start() {
    const { zmq } = this.opts;
    const c = this.conn;
    const addr = (port) => `${c.transport}://${c.ip}:${port}`;
    this.iopub = new zmq.Publisher();
    this.shell = new zmq.Router();
    this.control = new zmq.Router();
    this.stdin = new zmq.Router();
    this.hb = new zmq.Reply();
    this.send = new Map([this.iopub, this.shell, this.control, this.stdin].map((s) => [s, sequentialSender(s, this)]));
    await Promise.all([
      this.iopub.bind(addr(c.iopub_port)), this.shell.bind(addr(c.shell_port)),
      this.control.bind(addr(c.control_port)), this.stdin.bind(addr(c.stdin_port)), this.hb.bind(addr(c.hb_port)),
    ]);
    this.installOutputCapture();
    this.installBridge();
    this.publish('status', { execution_state: 'starting' }, {});
    this.loop(this.hb, async (frames) => { await this.hb.send(frames); });
    this.loop(this.control, (frames) => this.onMessage(this.control, frames));
    this.loop(this.shell, (frames) => this.onMessage(this.shell, frames));
    process.on('SIGINT', () => this.interrupt());
    // Warm tslab's TypeScript compiler (~1-2 s of CPU) once the first requests have been answered.
    this.timers.setTimeout(() => this.runner.warm(), 150);
  }

  loop(sock, handle) {
    (async () => {
      for await (const frames of sock) {
        try { await handle(frames); } catch (e) { this.log('failed to handle a message:', e); }
      }
    })().catch((e) => this.log('socket loop ended:', e));
  }

  onMessage(sock, frames) {
    const msg = wire.decode(frames, this.key, this.scheme);
    if (sock === this.control) return this.dispatch(sock, msg);
    if (this.comms.handles(msg)) return this.comms.enqueue(sock, msg); // not behind a running cell: see comms.js
    this.shellQueue.push(msg);
    this.pumpShell();
  }

  async pumpShell() {
    if (this.shellBusy) return;
    this.shellBusy = true;
    try {
      while (this.shellQueue.length > 0) {
        const msg = this.shellQueue.shift();
        try { await this.dispatch(this.shell, msg); } catch (e) { this.log('shell handler failed:', e); }
      }
    } finally {
      this.shellBusy = false;
    }
  }

  reply(sock, req, msgType, content) {
    this.flushStreams();
    this.send.get(sock)(wire.encode({ identities: req.identities, msgType, session: this.session, parent: req.header, content }, this.key, this.scheme));
  }

  publish(msgType, content, parent, metadata = {}, buffers = []) {
    if (msgType !== 'stream') this.flushStreams();
    this.send.get(this.iopub)([...wire.encode({ msgType, session: this.session, parent: parent || {}, content, metadata }, this.key, this.scheme), ...buffers]);
  }

  /** Where output goes: the comm message being handled (comms.js), else the running or last cell. */
  parentForOutput() {
    return this.comms.currentParent() || this.outputParent;
  }

  async dispatch(sock, msg) {
    const type = msg.header.msg_type;
    this.publish('status', { execution_state: 'busy' }, msg.header);
    try {
      switch (type) {
        case 'kernel_info_request': this.reply(sock, msg, 'kernel_info_reply', this.kernelInfo()); break;
        case 'execute_request': await this.execute(sock, msg); break;
        case 'complete_request': this.reply(sock, msg, 'complete_reply', this.safely(() => this.runner.complete(msg.content))); break;
        case 'inspect_request': this.reply(sock, msg, 'inspect_reply', this.safely(() => this.runner.inspect(msg.content))); break;
        case 'is_complete_request': this.reply(sock, msg, 'is_complete_reply', this.isCompleteReply(msg.content)); break;
        case 'history_request': this.reply(sock, msg, 'history_reply', { status: 'ok', history: this.history.query(msg.content) }); break;
        case 'comm_info_request': this.reply(sock, msg, 'comm_info_reply', { status: 'ok', comms: this.comms.info(msg.content.target_name) }); break;
        case 'interrupt_request': this.interrupt(); this.reply(sock, msg, 'interrupt_reply', { status: 'ok' }); break;
        case 'shutdown_request': this.shutdown(sock, msg); break;
        default: this.log(`ignoring unsupported message type ${type}`);
      }
    } finally {
      this.publish('status', { execution_state: 'idle' }, msg.header);
    }
  }

  safely(fn) {
    try {
      return fn();
    } catch (e) {
      return { status: 'error', ename: e && e.name || 'Error', evalue: String(e && e.message || e), traceback: [String(e && e.stack || e)] };
    }
  }

  isCompleteReply(content) {
    try { return isComplete(this.runner, content.code); } catch (e) { return { status: 'unknown' }; }
  }

  kernelInfo() {
    return {
      status: 'ok',
      protocol_version: wire.PROTOCOL_VERSION,
      implementation: 'tsdl',
      implementation_version: this.opts.implementationVersion,
      language_info: {
        name: 'typescript',
        version: this.opts.typescriptVersion,
        mimetype: 'text/typescript',
        file_extension: '.ts',
        // As tslab: TypeScript highlighting in both JupyterLab (mode) and Notebook (name+typescript).
        codemirror_mode: { mode: 'typescript', name: 'javascript', typescript: true },
      },
      banner: this.opts.banner,
      help_links: [],
    };
  }

  async execute(sock, msg) {
    const { code = '', silent = false, store_history = true, stop_on_error = true } = msg.content;
    if (msg.aborted) {
      this.reply(sock, msg, 'execute_reply', { status: 'aborted', execution_count: this.executionCount });
      return;
    }
    const page = /^([\s\S]*[\w$)\]])\?\s*$/.exec(code);
    if (page && !silent) {
      const info = this.safely(() => this.runner.inspect({ code: page[1], cursor_pos: page[1].length, detail_level: 0 }));
      const text = info.found ? info.data['text/plain'] : `No information about ${page[1].trim()}`;
      this.executionCount += store_history ? 1 : 0;
      this.publish('execute_input', { code, execution_count: this.executionCount }, msg.header);
      this.reply(sock, msg, 'execute_reply', {
        status: 'ok', execution_count: this.executionCount, user_expressions: {},
        payload: [{ source: 'page', data: { 'text/plain': text }, start: 0 }],
      });
      return;
    }
    const storing = store_history && !silent;
    if (storing) this.executionCount++;
    const count = this.executionCount;
    if (!silent) this.publish('execute_input', { code, execution_count: count }, msg.header);
    if (storing) this.history.add(count, code);
    this.outputParent = msg.header;
    const cell = { interrupted: false, parent: msg.header };
    this.running = cell;
    let outcome;
    try {
      outcome = await this.runner.run(code);
    } catch (e) {
      // Only the runner's creation can throw here (run() reports cell failures as outcomes).
      outcome = { status: 'error', ename: 'KernelError', evalue: String(e && e.message || e), traceback: [String(e && e.stack || e)] };
    } finally {
      this.running = null;
    }
    if (cell.interrupted && outcome.status === 'ok') {
      outcome = { status: 'error', ename: 'KeyboardInterrupt', evalue: 'cell execution was interrupted', traceback: ['KeyboardInterrupt: cell execution was interrupted'] };
    }
    if (outcome.status === 'ok') {
      for (const w of outcome.warnings) this.writeStream('stderr', w + '\n');
      if (outcome.hasValue && !silent) {
        const data = this.safelyBundle(outcome.value);
        this.publish('execute_result', { execution_count: count, data, metadata: {} }, msg.header);
        if (storing) this.history.setOutput(count, String(data['text/plain'] ?? ''));
      }
      this.reply(sock, msg, 'execute_reply', { status: 'ok', execution_count: count, payload: [], user_expressions: {} });
      return;
    }
    const { ename, evalue, traceback } = outcome;
    this.publish('error', { ename, evalue, traceback }, msg.header);
    this.reply(sock, msg, 'execute_reply', { status: 'error', execution_count: count, ename, evalue, traceback });
    if (stop_on_error) {
      // Like ipykernel: cells already queued behind a failed one are aborted, later ones run.
      for (const queued of this.shellQueue) if (queued.header.msg_type === 'execute_request') queued.aborted = true;
    }
  }

  safelyBundle(value) {
    try {
      return toMimeBundle(value);
    } catch (e) {
      return { 'text/plain': `[display failed: ${e && e.message}] ${util.inspect(value)}` };
    }
  }

  interrupt() {
    const cell = this.running;
    if (!cell) return;
    cell.interrupted = true;
    this.runner.interrupt();
    // An interrupt that lands before tslab starts awaiting the cell (e.g. while it type-checks)
    // would be missed, and the cell's dropped timers would then never settle: repeat until it ends.
    if (!cell.retry) {
      cell.retry = this.timers.setInterval(() => {
        if (this.running === cell) this.runner.interrupt();
        else clearInterval(cell.retry);
      }, 200);
    }
  }

  shutdown(sock, msg) {
    this.reply(sock, msg, 'shutdown_reply', { status: 'ok', restart: Boolean(msg.content.restart) });
    this.timers.setTimeout(() => {
      try { if (this.lazyRunner) this.lazyRunner.close(); } catch (e) { /* closing anyway */ }
      process.exit(0);
    }, 50);
  }

  // ---- outputs ----------------------------------------------------------------------------

  installOutputCapture() {
    for (const name of ['stdout', 'stderr']) {
      const stream = process[name];
      stream.write = (chunk, encoding, cb) => {
        const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString(typeof encoding === 'string' ? encoding : 'utf8');
        this.writeStream(name, text);
        const done = typeof encoding === 'function' ? encoding : cb;
        if (typeof done === 'function') process.nextTick(done);
        return true;
      };
    }
    process.on('uncaughtException', (err) => this.writeStream('stderr', `Uncaught exception (kernel still running): ${util.inspect(err)}\n`));
    process.on('unhandledRejection', (reason) => this.writeStream('stderr', `Unhandled promise rejection (kernel still running): ${util.inspect(reason)}\n`));
  }

  writeStream(name, text) {
    const parent = this.parentForOutput();
    if (!parent) { this.realWrite[name](text); return; }
    if (this.streamParent !== parent) { this.flushStreams(); this.streamParent = parent; }
    this.streams[name] += text;
    if (this.streams[name].length > 65536) { this.flushStreams(); return; }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      this.timers.setImmediate(() => this.flushStreams());
    }
  }

  flushStreams() {
    this.flushScheduled = false;
    for (const name of ['stdout', 'stderr']) {
      const text = this.streams[name];
      if (!text) continue;
      this.streams[name] = '';
      this.publish('stream', { name, text }, this.streamParent || this.outputParent);
    }
  }

  installBridge() {
    const kernel = this;
    const displayMessage = (type, data, metadata, displayId) => {
      const content = { data: normalizeBundle(data), metadata: metadata || {}, transient: displayId ? { display_id: String(displayId) } : {} };
      kernel.publish(type, content, kernel.parentForOutput());
    };
    const bridge = {
      protocol: 1,
      /** Sends one display_data carrying the whole MIME bundle. */
      display(data, metadata, displayId) { displayMessage('display_data', data, metadata, displayId); },
      /** Replaces the output shown under `displayId` (update_display_data). */
      updateDisplay(data, metadata, displayId) { displayMessage('update_display_data', data, metadata, displayId); },
      clearOutput(wait) { kernel.publish('clear_output', { wait: Boolean(wait) }, kernel.parentForOutput()); },
      /** The kernel's bundle for any value (Jupyter.display method, else util.inspect text). */
      toMimeBundle,
      get executionCount() { return kernel.executionCount; },
      /** True while the running cell has been interrupted (for cooperative loops). */
      get interrupted() { return Boolean(kernel.running && kernel.running.interrupted); },
      /** Comms: register targets, open comms (kernel/lib/comms.js). */
      comms: kernel.comms.api(),
    };
    Object.defineProperty(globalThis, BRIDGE, { value: bridge, configurable: true });
  }

  /** tslab's own display API (import * as tslab from "tslab") goes through the same IOPub path. */
  hookTslabDisplay() {
    const kernel = this;
    const tslabJupyter = require(path.join(this.opts.tslabDir, 'dist', 'jupyter'));
    tslabJupyter.lastWriteDisplayData = (content, update) => {
      kernel.publish(update ? 'update_display_data' : 'display_data', { metadata: {}, transient: {}, ...content }, kernel.parentForOutput());
    };
  }
}

/** zeromq allows one pending send per socket: chain them, keeping order. */
function sequentialSender(sock, kernel) {
  let chain = Promise.resolve();
  return (frames) => {
    chain = chain.then(() => sock.send(frames)).catch((e) => kernel.log('send failed:', e));
  };
}

module.exports = { Kernel };
