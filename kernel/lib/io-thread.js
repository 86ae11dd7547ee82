'use strict';
// The kernel's I/O thread (a worker_thread), so that the kernel keeps answering while the main
// thread runs, or is stuck in, a cell (ipykernel has a control thread and a heartbeat thread for
// the same reason). It owns the shell, control, stdin and heartbeat sockets:
// - verifies every incoming signature (constant time, replays refused) and passes requests to
//   the main thread in order;
// - answers kernel_info (the main thread hands it the content at start) and is_complete (from
//   TypeScript's parser) itself, so both are fast also while the main thread loads and warms up
//   the compiler; interrupt_request (by sending the process SIGINT, so message-mode and
//   signal-mode interrupts behave alike) and the heartbeat;
// - watches SIGINT: when the main thread's event loop does not turn (a cell looping on resolved
//   promises, a sync loop in a callback), its own SIGINT handler can never run, so this thread
//   stops the main thread's JavaScript through the inspector (Runtime.terminateExecution) — only
//   while no kernel code is on the main thread's stack, so the kernel's state survives;
// - polls the parent process (JPY_PARENT_PID, as ipykernel's parent poller) and ends the kernel
//   when its client is gone, also when a cell is busy;
// - delivers input_reply to a synchronous prompt() that blocks the main thread.
// The main thread keeps IOPub (output must be sent synchronously, also right before exit).
const threads = require('worker_threads');
if (!threads.parentPort) throw new Error('io-thread.js runs as a worker thread (see io-client.js)');
const parentPort = threads.parentPort;
const workerData = threads.workerData;
const wire = require('./wire');
const { isComplete } = require('./is-complete');
const { SLOTS, INPUT_WAITING, INPUT_ANSWERED, INPUT_INTERRUPTED } = require('./shared-state');

const GRACE_MS = 500; // how long the main loop may not turn after SIGINT before it is force-stopped
const KERNEL_WAIT_MS = 10000; // how long to wait for kernel code on the main thread to finish
const PARENT_POLL_MS = 1000;
const EXIT_GRACE_MS = 3000; // after the parent died: time the main thread gets to exit cleanly

/** @type {{conn: any, session: string, zmqPath: string, tsPath: string, shared: Int32Array,
 *   inputPort: import('worker_threads').MessagePort, parentPid: number, initialPpid: number}} */
const opts = workerData;
const zmq = require(opts.zmqPath);
const shared = opts.shared;
const key = opts.conn.key || '';
const scheme = opts.conn.signature_scheme || 'hmac-sha256';
const history = new wire.DigestHistory();

/** @param {...unknown} args */
function log(...args) {
  try {
    parentPort.postMessage({ type: 'log', text: args.map(String).join(' ') });
  } catch (e) { /* the main thread is gone */ }
}

// Nothing in this thread may end the process: its errors are logged.
process.on('uncaughtException', (e) => log('I/O thread error:', e instanceof Error ? e.stack : e));
process.on('unhandledRejection', (e) => log('I/O thread rejection:', e instanceof Error ? e.stack : e));

/** @type {any} */
let ts = null;
/** @type {object | null} the kernel_info_reply content, from the main thread */
let kernelInfo = null;
function typescript() {
  if (!ts) ts = require(opts.tsPath);
  return ts;
}

// ZeroMQ: unlimited queues and synchronous sends (sendTimeout 0) so a send never waits or fails
// for being busy; ROUTER sockets drop nothing to connected peers with no high-water mark.
const socketOptions = { sendHighWaterMark: 0, sendTimeout: 0, linger: 1000 };
const sockets = {
  shell: new zmq.Router(socketOptions),
  control: new zmq.Router(socketOptions),
  stdin: new zmq.Router(socketOptions),
};
const hb = new zmq.Reply({ linger: 0 });
// Known here rather than asked of the sockets: while Node tears this thread down at exit, any call
// into zeromq (even the `closed` getter) aborts the process.
let closing = false;
/** @type {Promise<void>[]} the sockets' receive loops */
const loops = [];
/** @param {number} port */
const address = (port) => `${opts.conn.transport}://${opts.conn.ip}:${port}`;

/**
 * @param {'shell' | 'control' | 'stdin'} channel
 * @param {Uint8Array[]} frames
 */
function send(channel, frames) {
  const sock = sockets[channel];
  if (closing) return;
  try {
    sock.send(frames).catch((/** @type {Error} */ e) => log(`send on ${channel} failed:`, e.message));
  } catch (e) {
    log(`send on ${channel} failed:`, e instanceof Error ? e.message : e);
  }
}

/**
 * @param {'shell' | 'control'} channel
 * @param {wire.Message} req
 * @param {string} msgType
 * @param {object} content
 */
function reply(channel, req, msgType, content) {
  send(channel, wire.encode({ identities: req.identities, msgType, session: opts.session, parent: req.header, content }, key, scheme));
  // IOPub lives on the main thread: it publishes busy/idle for this request.
  parentPort.postMessage({ type: 'answered', parent: req.header });
}

/**
 * @param {'shell' | 'control' | 'stdin'} channel
 * @param {Buffer[]} frames
 */
function onFrames(channel, frames) {
  let msg;
  try {
    msg = wire.decode(frames, key, scheme, history);
  } catch (e) {
    log(`refused a message on ${channel}:`, e instanceof Error ? e.message : e);
    return;
  }
  const type = msg.header && msg.header.msg_type;
  if (channel === 'stdin') {
    if (type !== 'input_reply') return;
    const value = String(msg.content && msg.content.value != null ? msg.content.value : '');
    if (Atomics.load(shared, SLOTS.INPUT) === INPUT_WAITING) {
      opts.inputPort.postMessage({ value, parent: msg.parent_header });
      Atomics.store(shared, SLOTS.INPUT, INPUT_ANSWERED);
      Atomics.notify(shared, SLOTS.INPUT);
    } else {
      parentPort.postMessage({ type: 'input_reply', value, parent: msg.parent_header });
    }
    return;
  }
  if (type === 'is_complete_request') {
    let content;
    try {
      content = isComplete(typescript(), String(msg.content.code ?? ''));
    } catch (e) {
      log('is_complete failed:', e instanceof Error ? e.stack : e);
      content = { status: 'unknown' };
    }
    reply(channel, msg, 'is_complete_reply', content);
    return;
  }
  if (type === 'kernel_info_request' && kernelInfo) {
    reply(channel, msg, 'kernel_info_reply', kernelInfo);
    return;
  }
  if (type === 'interrupt_request') {
    reply(channel, msg, 'interrupt_reply', { status: 'ok' });
    process.kill(process.pid, 'SIGINT');
    return;
  }
  // Numbered, so that after an error the main thread can tell requests that were already here
  // (aborted, like ipykernel's queue) from ones sent afterwards.
  const seq = channel === 'shell' ? Atomics.add(shared, SLOTS.SHELL_RECEIVED, 1) + 1 : 0;
  parentPort.postMessage({ type: 'request', channel, msg, seq });
}

/**
 * @param {'shell' | 'control' | 'stdin'} channel
 */
async function serve(channel) {
  try {
    for await (const frames of sockets[channel]) onFrames(channel, frames);
  } catch (e) {
    if (!closing) log(`${channel} socket failed:`, e instanceof Error ? e.message : e);
  }
}

async function heartbeat() {
  try {
    for await (const frames of hb) {
      if (closing) break;
      await hb.send(frames);
    }
  } catch (e) {
    if (!closing) log('heartbeat socket failed:', e instanceof Error ? e.message : e);
  }
}

// ---- interrupts -------------------------------------------------------------------------------

/** @type {ReturnType<typeof setInterval> | null} */
let watch = null;

function onSigint() {
  // A prompt() blocking the main thread wakes up with a KeyboardInterrupt.
  if (Atomics.compareExchange(shared, SLOTS.INPUT, INPUT_WAITING, INPUT_INTERRUPTED) === INPUT_WAITING) {
    Atomics.notify(shared, SLOTS.INPUT);
  }
  if (watch) return;
  const started = Date.now();
  let tick = Atomics.load(shared, SLOTS.TICK);
  watch = setInterval(() => {
    const now = Atomics.load(shared, SLOTS.TICK);
    // The main loop turns: its own SIGINT handler interrupts the cell. Or the kernel is exiting.
    if (now !== tick || Atomics.load(shared, SLOTS.EXITING)) return stopWatching();
    tick = now;
    if (Date.now() - started < GRACE_MS) return;
    if (Atomics.load(shared, SLOTS.KERNEL_DEPTH) > 0) {
      // Kernel code (compiling, sending) must finish first; it soon does, or the loop turns.
      if (Date.now() - started > KERNEL_WAIT_MS) stopWatching();
      return;
    }
    stopWatching();
    forceStop();
  }, 50);
}

function stopWatching() {
  if (watch) clearInterval(watch);
  watch = null;
}

/** Ends the JavaScript running on the main thread (its event loop then carries on). */
function forceStop() {
  const inspector = require('inspector');
  const session = new inspector.Session();
  try {
    session.connectToMainThread();
  } catch (e) {
    log('interrupt: cannot reach the main thread through the inspector:', e instanceof Error ? e.message : e);
    return;
  }
  // Inspector messages reach the main thread between two JavaScript statements, also while its
  // event loop is stuck, and run in order: the kernel prepares (see server.js startTicking), then
  // the stop — posted together, so nothing else runs on the main thread in between.
  const prepare = "void (globalThis[Symbol.for('tsdl.kernel.beforeForcedStop')] || (() => {}))()";
  session.post('Runtime.evaluate', { expression: prepare }, (prepErr) => {
    if (prepErr) log('interrupt: could not prepare the main thread:', prepErr.message);
  });
  session.post('Runtime.terminateExecution', (err) => {
    session.disconnect();
    if (err) {
      log('interrupt: Runtime.terminateExecution failed:', err.message);
      parentPort.postMessage({ type: 'forced-stop-failed' });
      return;
    }
    Atomics.add(shared, SLOTS.FORCED_STOPS, 1);
    parentPort.postMessage({ type: 'forced-stop' });
  });
}

/** @type {any} */
let sigintHandle = null;

function listenForSigint() {
  // Worker threads get no process.on('SIGINT'); a libuv signal handle of this thread's own loop
  // still receives the signal while the main loop is stuck.
  try {
    process.noDeprecation = true; // this thread's process.binding deprecation notice is noise
    const { Signal } = /** @type {any} */ (process).binding('signal_wrap');
    const handle = new Signal();
    handle.onsignal = onSigint;
    const err = handle.start(2 /* SIGINT */);
    if (err) throw new Error(`uv_signal_start returned ${err}`);
    handle.unref();
    sigintHandle = handle;
  } catch (e) {
    log('interrupt: this Node has no signal handle for worker threads; loops that never yield cannot be interrupted:',
      e instanceof Error ? e.message : e);
  }
}

// ---- parent process -----------------------------------------------------------------------------

/** @type {ReturnType<typeof setInterval> | null} */
let parentPoll = null;

function pollParent() {
  if (!opts.parentPid || opts.parentPid === 1 || opts.initialPpid === 1) return;
  const timer = setInterval(() => {
    if (process.ppid === opts.initialPpid) return;
    clearInterval(timer);
    log(`parent process ${opts.parentPid} is gone: shutting down`);
    parentPort.postMessage({ type: 'parent-died' });
    // The main thread may be stuck in a cell: end the process regardless.
    setTimeout(() => process.kill(process.pid, 'SIGKILL'), EXIT_GRACE_MS).unref();
  }, PARENT_POLL_MS);
  timer.unref();
  parentPoll = timer;
}

// ---- messages from the main thread ---------------------------------------------------------------

parentPort.on('message', (/** @type {any} */ m) => {
  if (m.type === 'send') send(m.channel, m.frames);
  else if (m.type === 'kernel-info') kernelInfo = m.content;
  else if (m.type === 'sigint') switchSigint(m.on);
  else if (m.type === 'close') close();
});

/**
 * Off while the main thread runs a cell's synchronous part: tslab runs it with vm's breakOnSigint,
 * whose watchdog afterwards leaves SIGINT's handler at "exit" and relies on libuv installing its
 * own again when the main thread re-adds its listener. libuv does that only when no other SIGINT
 * handle is active, so this thread's handle must not be active then. The main thread waits for
 * the switch (SIGINT_SWITCH).
 * @param {boolean} on
 */
function switchSigint(on) {
  try {
    if (sigintHandle) {
      if (on) sigintHandle.start(2);
      else sigintHandle.stop();
    }
  } finally {
    Atomics.store(shared, SLOTS.SIGINT_SWITCH, 0);
    Atomics.notify(shared, SLOTS.SIGINT_SWITCH);
  }
}

/**
 * Before the process exits: no socket may have a receive pending when Node tears this thread
 * down (zeromq then aborts the process), so they are closed here, while JavaScript still runs.
 */
function close() {
  if (closing) return;
  closing = true;
  stopWatching();
  if (parentPoll) clearInterval(parentPoll);
  try { if (sigintHandle) sigintHandle.close(); } catch (e) { /* closing anyway */ }
  sigintHandle = null;
  for (const s of [...Object.values(sockets), hb]) {
    try { s.close(); } catch (e) { /* closing anyway */ }
  }
  // The receive loops end asynchronously (zeromq's iterators look at their socket once more):
  // only once they all have may the main thread exit and Node tear this thread down.
  const done = () => {
    Atomics.store(shared, SLOTS.CLOSED, 1);
    Atomics.notify(shared, SLOTS.CLOSED);
    parentPort.close();
  };
  Promise.allSettled(loops).then(() => setImmediate(done), done);
}

async function start() {
  const c = opts.conn;
  await Promise.all([
    sockets.shell.bind(address(c.shell_port)), sockets.control.bind(address(c.control_port)),
    sockets.stdin.bind(address(c.stdin_port)), hb.bind(address(c.hb_port)),
  ]);
  loops.push(serve('shell'), serve('control'), serve('stdin'), heartbeat());
  listenForSigint();
  pollParent();
  parentPort.postMessage({ type: 'bound' });
  // Parse-only TypeScript for is_complete (~0.1 s to load), once the requests already waiting
  // (kernel_info) are answered: ready long before anyone can press Enter in a console.
  setTimeout(() => { try { typescript(); } catch (e) { log('cannot load TypeScript:', e); } }, 20);
}

start().catch((e) => parentPort.postMessage({ type: 'failed', error: String(e && e.stack || e) }));
