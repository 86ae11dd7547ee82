'use strict';
// The tsdl kernel: Jupyter messaging (spec 5.3) around tslab's converter and executor.
// The I/O thread (io-thread.js) owns shell, control, stdin and heartbeat and passes requests here;
// IOPub stays on this thread so output is sent synchronously, in order, and before an exit.
// Shell requests run one at a time in arrival order. Every output (stdout/stderr, display data,
// errors, results) is published with the executing cell's request as parent, including output
// produced by async code while the cell awaits; errors that reach the process later go to the
// cell that scheduled them (or the running / last one) and the kernel keeps running.
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const util = require('util');
const wire = require('./wire');
const { History } = require('./history');
const { isComplete } = require('./is-complete');
const { installTimerGate } = require('./timers');
const { toMimeBundleAsync, normalizeBundle, isThenable } = require('./mime');
const { lateError, KeyboardInterrupt } = require('./errors');
const { ownProcessErrors } = require('./process-errors');
const { installExecutorHooks } = require('./executor-hooks');
const { Stdin } = require('./stdin');
const { IoThread } = require('./io-client');
const { SLOTS, createSharedState } = require('./shared-state');
const { CommManager } = require('./comms');
const { OutputCapture } = require('./output-capture');

const BRIDGE = Symbol.for('tsdl.kernel');
const CELL_FILE = 'evalmachine.<anonymous>';
const TICK_MS = 20;

/**
 * @typedef {import('./wire').Message & {aborted?: boolean}} Request
 * @typedef {{interrupted: boolean, parent: any, header: any, identities: Buffer[], allowStdin: boolean,
 *   code: string, js?: string, displays: Promise<unknown>[], stopped: Promise<never>,
 *   stop: (e: Error) => void, retry?: any}} Cell
 * @typedef {{status: 'ok', hasValue: boolean, value: unknown, warnings: string[]}
 *   | {status: 'error', ename: string, evalue: string, traceback: string[]}} Outcome
 */

class Kernel {
  /**
   * @param {{connectionFile: string, createRunner: () => any,
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
    /** @type {any} */
    this.lazyRunner = null;
    this.history = new History(1);
    this.executionCount = 0;
    /** Request header of the running cell, or of the last one (late async output goes there). */
    this.outputParent = null;
    /** @type {Cell | null} the running cell */
    this.running = null;
    /** @type {Cell | null} the last cell that ran */
    this.lastCell = null;
    /** @type {Cell | null} the cell whose timer callback is throwing (see timers.js) */
    this.throwingCell = null;
    /** @type {Request[]} */
    this.shellQueue = [];
    this.shellBusy = false;
    /** After an error: shell requests the I/O thread had received by then (up to this number) are aborted. */
    this.abortThrough = 0;
    this.streams = { stdout: '', stderr: '' };
    /** The request the buffered stream text belongs to. */
    this.streamParent = null;
    this.flushScheduled = false;
    this.realWrite = { stdout: process.stdout.write.bind(process.stdout), stderr: process.stderr.write.bind(process.stderr) };
    this.timers = installTimerGate(() => this.running, (cell) => { this.throwingCell = cell; });
    this.shared = createSharedState();
    this.depth = 0;
    this.syncDepth = 0;
    /** @type {any} */
    this.asyncWrap = null;
    /** @type {{check: number, totals: number} | null} async hook counters while a forced stop is under way */
    this.asyncFields = null;
    this.comms = new CommManager(this);
    this.captures = new OutputCapture();
    // Set by start():
    /** @type {any} the IOPub socket */
    this.iopub = null;
    /** @type {IoThread} */
    this.io = /** @type {any} */ (null);
    /** @type {Stdin} */
    this.stdin = /** @type {any} */ (null);
    /** @type {{restore: () => void} | null} */
    this.processErrors = null;
  }

  get runner() {
    if (!this.lazyRunner) {
      this.section(() => {
        const ts = require(require.resolve('@tslab/typescript-for-tslab', { paths: [this.opts.tslabDir] }));
        installExecutorHooks(this.opts.tslabDir, ts, {
          onSync: (delta) => this.cellSync(delta),
          onConversion: (c) => { if (this.running && this.running.js === undefined) this.running.js = c && c.output; },
        });
        this.lazyRunner = this.opts.createRunner();
        this.hookTslabDisplay();
      });
    }
    return this.lazyRunner;
  }

  /** @param {...unknown} args */
  log(...args) {
    this.realWrite.stderr(`[tsdl kernel] ${util.format(...args)}\n`);
  }

  // ---- kernel sections: the I/O thread never force-stops the main thread inside one ----------

  /** @param {1 | -1} delta */
  enter(delta) {
    this.depth += delta;
    Atomics.store(this.shared, SLOTS.KERNEL_DEPTH, this.depth);
  }

  /**
   * Brackets the synchronous part of a run (type checking, then the cell's synchronous code in
   * vm with breakOnSigint): a kernel section, with the I/O thread's SIGINT handle off.
   * @param {1 | -1} delta
   */
  cellSync(delta) {
    if (delta > 0) {
      this.enter(1);
      if (this.syncDepth++ === 0 && this.io) this.io.switchSigint(false);
    } else {
      if (--this.syncDepth === 0 && this.io) this.io.switchSigint(true);
      this.enter(-1);
    }
  }

  /**
   * @template T
   * @param {() => T} fn
   * @returns {T}
   */
  section(fn) {
    this.enter(1);
    try {
      return fn();
    } finally {
      this.enter(-1);
    }
  }

  async start() {
    const { zmq } = this.opts;
    const c = this.conn;
    // No high-water mark (ZeroMQ would drop IOPub messages past 1000 queued) and synchronous
    // sends; at exit, up to 2 s to deliver what is queued.
    this.iopub = new zmq.Publisher({ sendHighWaterMark: 0, sendTimeout: 0, linger: 2000 });
    this.io = new IoThread({
      conn: c, session: this.session, tslabDir: this.opts.tslabDir, shared: this.shared,
      onMessage: (m) => this.section(() => this.onIoMessage(m)),
      log: (...args) => this.log(...args),
    });
    this.io.setKernelInfo(this.kernelInfo());
    await Promise.all([this.iopub.bind(`${c.transport}://${c.ip}:${c.iopub_port}`), this.io.bound]);
    this.stdin = new Stdin({
      send: (frames) => this.io.send('stdin', frames),
      encode: (cell, prompt, password) => wire.encode({
        identities: cell.identities, msgType: 'input_request', session: this.session, parent: cell.header, content: { prompt, password },
      }, this.key, this.scheme),
      shared: this.shared,
      port: this.io.inputPort,
      currentCell: () => this.running,
      onBlock: (delta) => this.enter(delta),
    });
    this.installOutputCapture();
    this.installBridge();
    this.processErrors = ownProcessErrors({ report: (kind, err) => this.section(() => this.reportLateError(kind, err)) });
    process.on('SIGINT', () => this.section(() => this.interrupt()));
    process.on('exit', () => this.beforeExit());
    this.startTicking();
    this.publish('status', { execution_state: 'starting' }, {});
    // Warm tslab's TypeScript compiler (~1-2 s of CPU) once the first requests have been answered;
    // is_complete is answered by the I/O thread meanwhile.
    this.timers.setTimeout(() => this.section(() => this.runner.warm()), 150);
  }

  /** The I/O thread reads the tick to tell a stuck main thread from a busy one. */
  startTicking() {
    const aw = asyncWrap();
    const timer = this.timers.setInterval(() => { Atomics.add(this.shared, SLOTS.TICK, 1); }, TICK_MS);
    timer.unref();
    // Run by the I/O thread (through the inspector) right before it stops the main thread: the
    // stopped code leaves async ids on Node's stack (a timer's, a promise's when async_hooks or
    // AsyncLocalStorage are in use), which Node would take for corruption and abort on when the
    // callback scope closes. Its checks are off until afterForcedStop() has cleared the stack.
    Object.defineProperty(globalThis, Symbol.for('tsdl.kernel.beforeForcedStop'), {
      configurable: true,
      value: () => {
        if (!aw || this.asyncFields) return;
        const f = aw.async_hook_fields;
        this.asyncFields = { check: f[aw.constants.kCheck], totals: f[aw.constants.kTotals] };
        f[aw.constants.kCheck] = 0;
        f[aw.constants.kTotals] = 0;
      },
    });
    this.asyncWrap = aw;
  }

  /**
   * Node's async id stack is consistent again (cleared after a stop), its checks back on.
   * @param {boolean} stopped whether JavaScript was stopped
   */
  afterForcedStop(stopped) {
    const aw = this.asyncWrap;
    const saved = this.asyncFields;
    this.asyncFields = null;
    if (!aw || !saved) return;
    if (stopped) aw.clearAsyncIdStack();
    aw.async_hook_fields[aw.constants.kCheck] = saved.check;
    aw.async_hook_fields[aw.constants.kTotals] = saved.totals;
  }

  /** @param {any} m a message from the I/O thread */
  onIoMessage(m) {
    switch (m.type) {
      case 'request': this.onRequest(m.channel, m.msg, m.seq); break;
      case 'answered': // a request the I/O thread answered itself (kernel_info, is_complete, interrupt)
        this.publish('status', { execution_state: 'busy' }, m.parent);
        this.publish('status', { execution_state: 'idle' }, m.parent);
        break;
      case 'input_reply': this.stdin.onReply(m.value); break;
      case 'forced-stop': this.onForcedStop(); break;
      case 'forced-stop-failed': this.afterForcedStop(false); break;
      case 'parent-died': this.exitNow(0); break;
      case 'log': this.log(m.text); break;
      default: this.log(`unexpected message from the I/O thread: ${m.type}`);
    }
  }

  /**
   * @param {'shell' | 'control'} channel
   * @param {Request} msg
   * @param {number} seq the I/O thread's number for a shell request
   */
  onRequest(channel, msg, seq) {
    if (channel === 'control') {
      this.dispatch(channel, msg).catch((e) => this.log('control handler failed:', e));
      return;
    }
    // Comm messages do not wait behind a running cell: see comms.js.
    if (this.comms.handles(msg)) { this.comms.enqueue(channel, msg); return; }
    if (seq <= this.abortThrough && msg.header.msg_type === 'execute_request') msg.aborted = true;
    this.shellQueue.push(msg);
    void this.pumpShell();
  }

  async pumpShell() {
    if (this.shellBusy) return;
    this.shellBusy = true;
    try {
      while (this.shellQueue.length > 0) {
        const msg = /** @type {Request} */ (this.shellQueue.shift());
        try { await this.dispatch('shell', msg); } catch (e) { this.log('shell handler failed:', e); }
      }
    } finally {
      this.shellBusy = false;
    }
  }

  /**
   * @param {'shell' | 'control'} channel
   * @param {Request} req
   * @param {string} msgType
   * @param {object} content
   */
  reply(channel, req, msgType, content) {
    this.section(() => {
      this.flushStreams();
      this.io.send(channel, wire.encode({ identities: req.identities, msgType, session: this.session, parent: req.header, content }, this.key, this.scheme));
    });
  }

  /**
   * @param {string} msgType
   * @param {object} content
   * @param {any} parent
   * @param {object} [metadata]
   * @param {Buffer[]} [buffers] binary buffers after the message's parts (comms)
   */
  publish(msgType, content, parent, metadata = {}, buffers = []) {
    this.section(() => {
      if (msgType !== 'stream') this.flushStreams();
      const frames = [...wire.encode({ msgType, session: this.session, parent: parent || {}, content, metadata }, this.key, this.scheme), ...buffers];
      try {
        this.iopub.send(frames).catch((/** @type {Error} */ e) => this.log('IOPub send failed:', e.message));
      } catch (e) {
        this.log('IOPub send failed:', e);
      }
    });
  }

  /** Where output goes: the comm message being handled (comms.js), else the running or last cell. */
  parentForOutput() {
    return this.comms.currentParent() || this.outputParent;
  }

  /**
   * @param {'shell' | 'control'} channel
   * @param {Request} msg
   */
  async dispatch(channel, msg) {
    const type = msg.header.msg_type;
    this.publish('status', { execution_state: 'busy' }, msg.header);
    try {
      switch (type) {
        case 'kernel_info_request': this.reply(channel, msg, 'kernel_info_reply', this.kernelInfo()); break;
        case 'execute_request': await this.execute(channel, msg); break;
        case 'complete_request': this.reply(channel, msg, 'complete_reply', this.safely(() => this.runner.complete(msg.content))); break;
        case 'inspect_request': this.reply(channel, msg, 'inspect_reply', this.safely(() => this.runner.inspect(msg.content))); break;
        case 'is_complete_request': // the I/O thread answers these; kept for completeness
          this.reply(channel, msg, 'is_complete_reply', this.safely(() => isComplete(this.runner.ts, String(msg.content.code ?? ''))));
          break;
        case 'history_request': this.reply(channel, msg, 'history_reply', { status: 'ok', history: this.history.query(msg.content) }); break;
        case 'comm_info_request': this.reply(channel, msg, 'comm_info_reply', { status: 'ok', comms: this.comms.info(msg.content.target_name) }); break;
        case 'interrupt_request': this.interrupt(); this.reply(channel, msg, 'interrupt_reply', { status: 'ok' }); break;
        case 'shutdown_request': this.shutdown(channel, msg); break;
        default: this.log(`ignoring unsupported message type ${type}`);
      }
    } finally {
      this.publish('status', { execution_state: 'idle' }, msg.header);
    }
  }

  /** @param {() => any} fn */
  safely(fn) {
    try {
      return this.section(fn);
    } catch (e) {
      const err = /** @type {any} */ (e);
      return { status: 'error', ename: err && err.name || 'Error', evalue: String(err && err.message || err), traceback: [String(err && err.stack || err)] };
    }
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

  // ---- execution ---------------------------------------------------------------------------

  /**
   * @param {'shell' | 'control'} channel
   * @param {Request} msg
   */
  async execute(channel, msg) {
    const { code = '', silent = false, store_history = true, stop_on_error = true, user_expressions = {}, allow_stdin = true } = msg.content;
    if (msg.aborted) {
      this.reply(channel, msg, 'execute_reply', { status: 'aborted', execution_count: this.executionCount });
      return;
    }
    const page = /^([\s\S]*[\w$)\]])\?\??\s*$/.exec(code);
    if (page && !silent) {
      const info = this.safely(() => this.runner.inspect({ code: page[1], cursor_pos: page[1].length, detail_level: 0 }));
      const text = info.found ? info.data['text/plain'] : `No information about ${page[1].trim()}`;
      this.executionCount += store_history ? 1 : 0;
      this.publish('execute_input', { code, execution_count: this.executionCount }, msg.header);
      this.reply(channel, msg, 'execute_reply', {
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
    /** @type {(e: Error) => void} */
    let stop = () => {};
    /** @type {Promise<never>} */
    const stopped = new Promise((_, reject) => { stop = reject; });
    stopped.catch(() => {});
    /** @type {Cell} */
    const cell = {
      interrupted: false, parent: msg.header, header: msg.header, identities: msg.identities, allowStdin: allow_stdin !== false,
      code, js: undefined, displays: [], stopped, stop,
    };
    this.running = cell;
    this.lastCell = cell;
    Atomics.store(this.shared, SLOTS.CELL, 1);
    /** @type {Outcome} */
    let outcome;
    /** @type {Record<string, unknown>} */
    let expressions = {};
    try {
      outcome = await this.untilStopped(cell, () => this.runner.run(code));
      if (outcome.status === 'ok' && outcome.hasValue && !silent) {
        const { value } = outcome;
        const data = await this.untilStopped(cell, () => this.safelyBundle(value));
        this.publish('execute_result', { execution_count: count, data, metadata: {} }, msg.header);
        if (storing) this.history.setOutput(count, String(data['text/plain'] ?? ''));
      }
      // Async display() calls of this cell send their output before the cell ends.
      await this.untilStopped(cell, () => Promise.allSettled(cell.displays));
      if (outcome.status === 'ok' && !cell.interrupted) expressions = await this.evaluateExpressions(cell, user_expressions);
    } catch (e) {
      outcome = this.failure(e);
    } finally {
      this.running = null;
      Atomics.store(this.shared, SLOTS.CELL, 0);
      if (cell.retry) clearInterval(cell.retry);
    }
    if (cell.interrupted && outcome.status === 'ok') outcome = this.failure(new KeyboardInterrupt());
    if (outcome.status === 'ok') {
      for (const w of outcome.warnings) this.writeStream('stderr', w + '\n');
      this.reply(channel, msg, 'execute_reply', { status: 'ok', execution_count: count, payload: [], user_expressions: expressions });
      return;
    }
    const { ename, evalue, traceback } = outcome;
    // Read before the reply goes out: whatever arrives later was sent after the client saw it.
    const received = Atomics.load(this.shared, SLOTS.SHELL_RECEIVED);
    if (!silent) this.publish('error', { ename, evalue, traceback }, msg.header);
    this.reply(channel, msg, 'execute_reply', { status: 'error', execution_count: count, ename, evalue, traceback });
    if (stop_on_error) this.abortQueued(received);
  }

  /**
   * Runs `fn`, unless the cell is force-stopped first (its promise may then never settle).
   * @template T
   * @param {Cell} cell
   * @param {() => T | Promise<T>} fn
   * @returns {Promise<T>}
   */
  untilStopped(cell, fn) {
    return Promise.race([Promise.resolve().then(fn), cell.stopped]);
  }

  /**
   * @param {unknown} e
   * @returns {Outcome}
   */
  failure(e) {
    const err = /** @type {any} */ (e);
    if (err instanceof KeyboardInterrupt) return { status: 'error', ename: 'KeyboardInterrupt', evalue: 'cell execution was interrupted', traceback: ['KeyboardInterrupt: cell execution was interrupted'] };
    return { status: 'error', ename: 'KernelError', evalue: String(err && err.message || err), traceback: [String(err && err.stack || err)] };
  }

  /**
   * user_expressions: each evaluated after the cell, its rich display or its own error (spec 5.3).
   * @param {Cell} cell
   * @param {Record<string, string>} expressions
   */
  async evaluateExpressions(cell, expressions) {
    /** @type {Record<string, unknown>} */
    const out = {};
    for (const [name, expr] of Object.entries(expressions || {})) {
      /** @type {Outcome} */
      const r = await this.untilStopped(cell, () => this.runner.run(String(expr)));
      if (r.status === 'ok') {
        out[name] = { status: 'ok', data: await this.untilStopped(cell, () => this.safelyBundle(r.value)), metadata: {} };
      } else {
        out[name] = { status: 'error', ename: r.ename, evalue: r.evalue, traceback: r.traceback };
      }
    }
    return out;
  }

  /**
   * Like ipykernel: execute requests already queued when a cell fails are aborted, later ones run.
   * "Queued" includes requests the I/O thread has received but not yet passed on.
   */
  abortQueued(/** @type {number} */ received) {
    for (const queued of this.shellQueue) if (queued.header.msg_type === 'execute_request') queued.aborted = true;
    this.abortThrough = received;
  }

  /**
   * @param {unknown} value
   * @returns {Promise<Record<string, any>>}
   */
  async safelyBundle(value) {
    try {
      return await toMimeBundleAsync(value);
    } catch (e) {
      return { 'text/plain': `[display failed: ${e instanceof Error ? e.message : e}] ${util.inspect(value)}` };
    }
  }

  interrupt() {
    this.stdin.interrupt();
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

  /** The I/O thread stopped JavaScript that kept the event loop from turning (see io-thread.js). */
  onForcedStop() {
    // Nothing of the kernel was on the stack (the I/O thread checks), but the stopped code may have
    // been inside a kernel call (display(), console.log()): this handler is the only section now.
    this.depth = 1;
    Atomics.store(this.shared, SLOTS.KERNEL_DEPTH, 1);
    if (this.syncDepth > 0) {
      this.syncDepth = 0;
      this.io.switchSigint(true);
    }
    this.afterForcedStop(true);
    this.log('interrupt: stopped JavaScript that kept the event loop from turning');
    const cell = this.running;
    if (cell) {
      cell.interrupted = true;
      cell.stop(new KeyboardInterrupt());
    }
    try { if (this.lazyRunner) this.lazyRunner.interrupt(); } catch (e) { /* nothing to interrupt */ }
    this.flushScheduled = false;
    this.flushStreams();
  }

  /**
   * @param {'shell' | 'control'} channel
   * @param {Request} msg
   */
  shutdown(channel, msg) {
    this.reply(channel, msg, 'shutdown_reply', { status: 'ok', restart: Boolean(msg.content.restart) });
    this.timers.setTimeout(() => this.exitNow(0), 50);
  }

  /** @param {number} code */
  exitNow(code) {
    try { if (this.lazyRunner) this.lazyRunner.close(); } catch (e) { /* closing anyway */ }
    process.exit(code);
  }

  /** Whatever was written before the process exits reaches the frontend (also after process.exit()). */
  beforeExit() {
    Atomics.store(this.shared, SLOTS.EXITING, 1); // the I/O thread must not stop this handler
    this.section(() => {
      try { this.flushStreams(); } catch (e) { /* exiting anyway */ }
      if (this.io) this.io.closeSync();
    });
  }

  /**
   * An error that reached the process: reported to the cell that scheduled the failing callback,
   * else the running or the last cell.
   * @param {'exception' | 'rejection' | 'listener'} kind
   * @param {unknown} err
   */
  reportLateError(kind, err) {
    const cell = (kind === 'exception' && this.throwingCell) || this.running || this.lastCell;
    this.throwingCell = null;
    const content = lateError(err, kind, cell, CELL_FILE);
    if (!cell) {
      this.log(content.traceback.join('\n'));
      return;
    }
    this.publish('error', content, cell.parent);
  }

  // ---- outputs ----------------------------------------------------------------------------

  installOutputCapture() {
    for (const name of /** @type {const} */ (['stdout', 'stderr'])) {
      const stream = process[name];
      stream.write = /** @type {any} */ ((/** @type {any} */ chunk, /** @type {any} */ encoding, /** @type {any} */ cb) => {
        const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString(typeof encoding === 'string' ? /** @type {BufferEncoding} */ (encoding) : 'utf8');
        this.section(() => this.writeStream(name, text));
        const done = typeof encoding === 'function' ? encoding : cb;
        if (typeof done === 'function') process.nextTick(done);
        return true;
      });
    }
  }

  /**
   * @param {'stdout' | 'stderr'} name
   * @param {string} text
   */
  writeStream(name, text) {
    if (this.captures.deliver((sink) => sink.stream(name, text))) return;
    const parent = this.parentForOutput();
    if (!parent) { this.realWrite[name](text); return; }
    if (this.streamParent !== parent) { this.flushStreams(); this.streamParent = parent; }
    this.streams[name] += text;
    if (this.streams[name].length > 65536) { this.flushStreams(); return; }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      this.timers.setImmediate(() => this.section(() => this.flushStreams()));
    }
  }

  flushStreams() {
    this.flushScheduled = false;
    for (const name of /** @type {const} */ (['stdout', 'stderr'])) {
      const text = this.streams[name];
      if (!text) continue;
      this.streams[name] = '';
      this.publish('stream', { name, text }, this.streamParent || this.outputParent);
    }
  }

  installBridge() {
    const kernel = this;
    /**
     * @param {'display_data' | 'update_display_data'} type
     * @param {any} data a bundle, or a promise of one (an async Jupyter.display method)
     * @param {any} metadata
     * @param {string | undefined} displayId
     */
    const displayMessage = (type, data, metadata, displayId) => kernel.section(() => {
      const parent = kernel.parentForOutput();
      // Inside a kernel-side capture (output-capture.js) displays go to its sink, and so do updates
      // of a display it holds; other updates go to IOPub, where the display they update lives.
      const sink = kernel.captures.current();
      const id = displayId ? String(displayId) : undefined;
      const send = (/** @type {any} */ bundle) => {
        const content = { data: normalizeBundle(bundle), metadata: metadata || {} };
        const output = { output_type: /** @type {const} */ ('display_data'), ...content };
        const captured = kernel.captures.deliver((s) => {
          if (type === 'display_data') { s.output(output, id); return true; }
          return id !== undefined && s.update(id, output);
        }, sink);
        if (!captured) kernel.publish(type, { ...content, transient: id ? { display_id: id } : {} }, parent);
      };
      if (!isThenable(data)) { send(data); return; }
      const sent = Promise.resolve(data).then(send, (e) => kernel.publish('error', lateError(e, 'rejection', kernel.running, CELL_FILE), parent));
      if (kernel.running) kernel.running.displays.push(sent);
    });
    const bridge = {
      protocol: 1,
      /** Sends one display_data carrying the whole MIME bundle (or, once it resolves, a promised one). */
      display(/** @type {any} */ data, /** @type {any} */ metadata, /** @type {string | undefined} */ displayId) { displayMessage('display_data', data, metadata, displayId); },
      /** Replaces the output shown under `displayId` (update_display_data). */
      updateDisplay(/** @type {any} */ data, /** @type {any} */ metadata, /** @type {string} */ displayId) { displayMessage('update_display_data', data, metadata, displayId); },
      clearOutput(/** @type {boolean} */ wait) {
        if (!kernel.captures.deliver((s) => s.clear(Boolean(wait)))) kernel.publish('clear_output', { wait: Boolean(wait) }, kernel.parentForOutput());
      },
      /** Runs `fn` with its displays, clear_output and prints going to `sink` (output-capture.js). */
      captureOutputs: (/** @type {import('./output-capture').OutputSink} */ sink, /** @type {() => any} */ fn) => kernel.captures.run(sink, fn),
      /** The kernel's bundle for any value (Jupyter.display method, else util.inspect text). */
      toMimeBundle: (/** @type {unknown} */ value) => require('./mime').toMimeBundle(value),
      /** Asks the frontend for a line of input (input_request); rejects when stdin is not allowed. */
      input(/** @type {string} */ prompt, /** @type {boolean} */ password) { return kernel.stdin.request(String(prompt ?? ''), Boolean(password)); },
      get executionCount() { return kernel.executionCount; },
      /** True while the running cell has been interrupted (for cooperative loops). */
      get interrupted() { return Boolean(kernel.running && kernel.running.interrupted); },
      /** Comms: register targets, open comms (kernel/lib/comms.js). */
      comms: kernel.comms.api(),
    };
    Object.defineProperty(globalThis, BRIDGE, { value: bridge, configurable: true });
    // A synchronous prompt(), as in Deno and browsers: blocks until the frontend answers.
    if (typeof (/** @type {any} */ (globalThis)).prompt === 'undefined') {
      Object.defineProperty(globalThis, 'prompt', {
        configurable: true,
        writable: true,
        value: function prompt(/** @type {unknown} */ message = '', /** @type {unknown} */ defaultValue = undefined) {
          const value = kernel.stdin.requestSync(String(message), false);
          return value === '' && defaultValue !== undefined ? String(defaultValue) : value;
        },
      });
    }
  }

  /** tslab's own display API (import * as tslab from "tslab") goes through the same IOPub path. */
  hookTslabDisplay() {
    const kernel = this;
    const tslabJupyter = require(path.join(this.opts.tslabDir, 'dist', 'jupyter'));
    tslabJupyter.lastWriteDisplayData = (/** @type {any} */ content, /** @type {boolean} */ update) => {
      kernel.publish(update ? 'update_display_data' : 'display_data', { metadata: {}, transient: {}, ...content }, kernel.parentForOutput());
    };
  }
}

/**
 * Node's async_wrap binding (async hook counters, the async id stack), or null where this Node
 * does not expose it; read quietly (process.binding is deprecated, and this is no user's concern).
 * @returns {any}
 */
function asyncWrap() {
  const noDeprecation = process.noDeprecation;
  process.noDeprecation = true;
  try {
    const aw = /** @type {any} */ (process).binding('async_wrap');
    const ok = aw && aw.async_hook_fields && aw.constants && typeof aw.clearAsyncIdStack === 'function'
      && ['kTotals', 'kCheck'].every((k) => typeof aw.constants[k] === 'number');
    return ok ? aw : null;
  } catch (e) {
    return null;
  } finally {
    process.noDeprecation = noDeprecation;
  }
}

module.exports = { Kernel };
