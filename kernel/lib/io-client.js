'use strict';
// The main thread's side of the I/O thread (io-thread.js): starts it, passes it what to send,
// hands its messages to the kernel, and closes its sockets before the process exits.
const path = require('path');
const { Worker, MessageChannel } = require('worker_threads');
const { SLOTS } = require('./shared-state');

class IoThread {
  /**
   * @param {{conn: any, session: string, tslabDir: string, shared: Int32Array,
   *   onMessage: (m: any) => void, log: (...args: unknown[]) => void}} opts
   */
  constructor(opts) {
    this.opts = opts;
    const input = new MessageChannel();
    /** The port a blocked prompt() reads its reply from (receiveMessageOnPort). */
    this.inputPort = input.port1;
    const parentPid = Number(process.env.JPY_PARENT_PID || 0);
    this.worker = new Worker(path.join(__dirname, 'io-thread.js'), {
      workerData: {
        conn: opts.conn,
        session: opts.session,
        zmqPath: require.resolve('zeromq', { paths: [opts.tslabDir] }),
        tsPath: require.resolve('@tslab/typescript-for-tslab', { paths: [opts.tslabDir] }),
        shared: opts.shared,
        inputPort: input.port2,
        parentPid,
        initialPpid: process.ppid,
      },
      transferList: [input.port2],
      // Its console goes to the kernel's log, never into a cell's output.
      stdout: true,
      stderr: true,
    });
    for (const stream of [this.worker.stdout, this.worker.stderr]) {
      stream.on('data', (chunk) => opts.log('[io thread]', String(chunk).trimEnd()));
    }
    this.worker.on('error', (e) => opts.log('I/O thread failed:', e));
    this.worker.on('exit', (code) => { if (!this.closed) opts.log(`I/O thread exited (${code})`); });
    this.closed = false;
    /** @type {Promise<void>} */
    this.bound = new Promise((resolve, reject) => {
      this.worker.on('message', (m) => {
        if (m.type === 'bound') resolve();
        else if (m.type === 'failed') reject(new Error(`the I/O thread could not start: ${m.error}`));
        else opts.onMessage(revive(m));
      });
    });
  }

  /**
   * The kernel_info_reply content the I/O thread answers with.
   * @param {object} content
   */
  setKernelInfo(content) {
    this.worker.postMessage({ type: 'kernel-info', content });
  }

  /**
   * @param {'shell' | 'control' | 'stdin'} channel
   * @param {Buffer[]} frames
   */
  send(channel, frames) {
    if (!this.closed) this.worker.postMessage({ type: 'send', channel, frames });
  }

  /**
   * Switches the I/O thread's SIGINT handle and waits until it has (see io-thread.js switchSigint).
   * @param {boolean} on
   */
  switchSigint(on) {
    if (this.closed) return;
    const shared = this.opts.shared;
    Atomics.store(shared, SLOTS.SIGINT_SWITCH, 1);
    this.worker.postMessage({ type: 'sigint', on });
    const deadline = Date.now() + 2000; // a stuck I/O thread must not hang the kernel
    while (Atomics.load(shared, SLOTS.SIGINT_SWITCH) === 1 && Date.now() < deadline) Atomics.wait(shared, SLOTS.SIGINT_SWITCH, 1, 100);
  }

  /** Closes the I/O thread's sockets and waits (up to `ms`) until it has: callable from 'exit'. */
  closeSync(ms = 2000) {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.opts.shared, SLOTS.EXITING, 1);
    try {
      this.worker.postMessage({ type: 'close' });
      Atomics.wait(this.opts.shared, SLOTS.CLOSED, 0, ms);
    } catch (e) { /* exiting anyway */ }
  }
}

/** Structured cloning turns Buffers into Uint8Arrays: identities and buffers become Buffers again. */
function revive(/** @type {any} */ m) {
  if (m.type === 'request' && m.msg) {
    m.msg.identities = m.msg.identities.map((/** @type {Uint8Array} */ u) => Buffer.from(u));
    m.msg.buffers = (m.msg.buffers || []).map((/** @type {Uint8Array} */ u) => Buffer.from(u));
  }
  return m;
}

module.exports = { IoThread };
