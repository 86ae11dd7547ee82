'use strict';
// Comms (messaging spec 5.3, "Custom messages"): comm_open / comm_msg / comm_close in both
// directions, comm_info, binary buffers, and the API the library uses through the bridge
// (globalThis[Symbol.for('tsdl.kernel')].comms) to register targets and open comms.
//
// Scheduling: comm messages from the frontend do NOT wait behind the shell queue. A slider moved
// while a cell awaits (a training loop, an interact redraw) and a Stop button pressed during `fit`
// only work if the kernel handles them while that cell runs; ipykernel queues them behind the cell
// (which is why such buttons need workarounds there). They are handled here in their own lane, in
// arrival order, one at a time (a handler's promise is awaited before the next message), each with
// busy/idle status parented to it: widget frontends send the next state update only after the
// previous one's idle, so a slow handler throttles a dragged slider instead of queueing every step.
// When a cell is running, `busy` is re-announced for it after that idle, so the frontend's
// indicator keeps showing the kernel busy. Trade-off: a comm_open to a target that a still-queued
// cell would register finds no target (it is closed, as ipykernel does for unknown targets).
//
// Output produced while a comm message is handled (also after awaits, via AsyncLocalStorage) is
// parented to that comm message: that is what the Output widget protocol (msg_id) and echo_update
// (parent = the frontend's update) expect.
const crypto = require('crypto');
const util = require('util');
const { AsyncLocalStorage } = require('async_hooks');

/** Shell message types handled by the comm lane. */
const COMM_MESSAGES = new Set(['comm_open', 'comm_msg', 'comm_close', 'comm_info_request']);

/** Buffers as the wire needs them (Buffer views, no copies). */
function toBuffers(buffers) {
  if (!buffers) return [];
  if (!Array.isArray(buffers)) throw new TypeError('comm buffers must be an array of ArrayBuffer / typed arrays');
  return buffers.map((b, i) => {
    if (Buffer.isBuffer(b)) return b;
    if (b instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && b instanceof SharedArrayBuffer)) return Buffer.from(b);
    if (ArrayBuffer.isView(b)) return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
    throw new TypeError(`comm buffer ${i} is a ${typeof b}: expected an ArrayBuffer, a typed array or a DataView`);
  });
}

function plainObject(v, what) {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new TypeError(`${what} must be a JSON object, got ${Array.isArray(v) ? 'an array' : typeof v}`);
  return v;
}

/** One comm, either side may have opened it. */
class Comm {
  constructor(manager, id, targetName) {
    this.manager = manager;
    this.id = id;
    this.targetName = targetName;
    this.closed = false;
    this.msgHandlers = [];
    this.closeHandlers = [];
  }

  /** Sends comm_msg to the frontend. */
  send(data, metadata, buffers) {
    if (this.closed) throw new Error(`comm ${this.id} (target ${this.targetName}) is closed: open a new one`);
    this.manager.publish('comm_msg', { comm_id: this.id, data: plainObject(data, 'comm data') }, metadata, buffers);
  }

  /** Sends comm_close (once) and forgets the comm; close handlers run. */
  close(data, metadata, buffers) {
    if (this.closed) return;
    this.manager.publish('comm_close', { comm_id: this.id, data: plainObject(data, 'comm data') }, metadata, buffers);
    this.manager.forget(this, undefined);
  }

  /** Calls `handler(message)` for every comm_msg from the frontend; returns a function that removes it. */
  onMsg(handler) {
    this.msgHandlers.push(handler);
    return () => { this.msgHandlers = this.msgHandlers.filter((h) => h !== handler); };
  }

  /** Calls `handler(message | undefined)` when the comm closes (frontend comm_close, or close()). */
  onClose(handler) {
    this.closeHandlers.push(handler);
    return () => { this.closeHandlers = this.closeHandlers.filter((h) => h !== handler); };
  }
}

class CommManager {
  /** @param {any} kernel the Kernel (server.js): publish, reply, log, running, outputParent. */
  constructor(kernel) {
    this.kernel = kernel;
    /** target name -> handler(comm, message) */
    this.targets = new Map();
    /** comm id -> Comm */
    this.comms = new Map();
    this.context = new AsyncLocalStorage();
    this.lane = [];
    this.laneBusy = false;
    /** What the frontend has shown of itself: widget managers ask comm_info and open control comms. */
    this.frontend = { commInfoRequests: 0, openedTargets: new Set() };
  }

  /** Whether `msg` is handled by the comm lane instead of the shell queue. */
  handles(msg) {
    return COMM_MESSAGES.has(msg.header.msg_type);
  }

  /** The request header output should be parented to while a comm message is handled, else null. */
  currentParent() {
    const ctx = this.context.getStore();
    return ctx ? ctx.parent : null;
  }

  enqueue(sock, msg) {
    this.lane.push({ sock, msg });
    this.pump();
  }

  async pump() {
    if (this.laneBusy) return;
    this.laneBusy = true;
    try {
      while (this.lane.length > 0) {
        const { sock, msg } = this.lane.shift();
        this.kernel.publish('status', { execution_state: 'busy' }, msg.header);
        try {
          await this.context.run({ parent: msg.header }, () => this.handle(sock, msg));
        } catch (e) {
          this.kernel.log(`${msg.header.msg_type} failed:`, e);
        } finally {
          this.kernel.publish('status', { execution_state: 'idle' }, msg.header);
          if (this.kernel.running) this.kernel.publish('status', { execution_state: 'busy' }, this.kernel.running.parent);
        }
      }
    } finally {
      this.laneBusy = false;
    }
  }

  async handle(sock, msg) {
    const c = msg.content || {};
    switch (msg.header.msg_type) {
      case 'comm_info_request': {
        this.frontend.commInfoRequests++;
        this.kernel.reply(sock, msg, 'comm_info_reply', { status: 'ok', comms: this.info(c.target_name) });
        return;
      }
      case 'comm_open': {
        const target = String(c.target_name || '');
        this.frontend.openedTargets.add(target);
        const handler = this.targets.get(target);
        const comm = new Comm(this, String(c.comm_id), target);
        if (!handler) {
          // As ipykernel: tell the frontend there is no such target by closing its comm.
          this.kernel.log(`comm_open for unknown target ${JSON.stringify(target)}: closed`);
          this.publish('comm_close', { comm_id: comm.id, data: {} });
          return;
        }
        this.comms.set(comm.id, comm);
        try {
          await handler(comm, this.message(msg));
        } catch (e) {
          this.reportError(`comm target ${target} failed to open comm ${comm.id}`, e);
          comm.close();
        }
        return;
      }
      case 'comm_msg': {
        const comm = this.comms.get(String(c.comm_id));
        if (!comm) { this.kernel.log(`comm_msg for unknown comm ${c.comm_id}: ignored`); return; }
        const message = this.message(msg);
        for (const h of comm.msgHandlers.slice()) {
          try { await h(message); } catch (e) { this.reportError(`a handler of comm ${comm.id} (${comm.targetName}) failed`, e); }
        }
        return;
      }
      case 'comm_close': {
        const comm = this.comms.get(String(c.comm_id));
        if (comm) await this.forget(comm, this.message(msg));
        return;
      }
      default:
    }
  }

  /** Errors in handlers go to the frontend (stderr of the comm message) and the kernel log. */
  reportError(what, e) {
    this.kernel.log(`${what}:`, e);
    this.kernel.writeStream('stderr', `${what}: ${e && e.stack || util.inspect(e)}\n`);
  }

  message(msg) {
    const content = msg.content || {};
    return {
      commId: String(content.comm_id),
      data: content.data || {},
      metadata: msg.metadata || {},
      buffers: msg.buffers || [],
      header: msg.header,
      parentHeader: msg.parent_header,
      content,
    };
  }

  async forget(comm, message) {
    if (comm.closed) return;
    comm.closed = true;
    this.comms.delete(comm.id);
    for (const h of comm.closeHandlers.slice()) {
      try { await h(message); } catch (e) { this.reportError(`a close handler of comm ${comm.id} failed`, e); }
    }
  }

  /** comm_info_reply's `comms`: open comms, optionally only those of one target. */
  info(targetName) {
    const comms = {};
    for (const [id, comm] of this.comms) {
      if (!targetName || comm.targetName === targetName) comms[id] = { target_name: comm.targetName };
    }
    return comms;
  }

  publish(msgType, content, metadata, buffers) {
    this.kernel.publish(msgType, content, this.kernel.parentForOutput(), plainObject(metadata, 'comm metadata'), toBuffers(buffers));
  }

  /** Kernel side opens a comm: comm_open on IOPub, parented to the running cell (or comm message). */
  open(targetName, data, metadata, buffers, commId) {
    if (typeof targetName !== 'string' || !targetName) throw new TypeError('comm target name must be a non-empty string');
    const id = commId ? String(commId) : crypto.randomUUID().replace(/-/g, '');
    if (this.comms.has(id)) throw new Error(`a comm with id ${id} is already open`);
    const comm = new Comm(this, id, targetName);
    this.comms.set(id, comm);
    this.publish('comm_open', { comm_id: id, target_name: targetName, data: plainObject(data, 'comm data') }, metadata, buffers);
    return comm;
  }

  /** The API on the bridge (see src/widgets/comm.ts for its types). */
  api() {
    const manager = this;
    return {
      /** Calls handler(comm, message) when the frontend opens a comm to `name`; returns an unregister function. */
      registerTarget(name, handler) {
        if (typeof name !== 'string' || !name) throw new TypeError('comm target name must be a non-empty string');
        if (typeof handler !== 'function') throw new TypeError(`the handler of comm target ${name} must be a function`);
        manager.targets.set(name, handler);
        return () => { if (manager.targets.get(name) === handler) manager.targets.delete(name); };
      },
      unregisterTarget(name) { manager.targets.delete(name); },
      open(targetName, data, metadata, buffers, commId) { return manager.open(targetName, data, metadata, buffers, commId); },
      get(id) { return manager.comms.get(id); },
      list(targetName) { return manager.info(targetName); },
      /** The header of the message being handled (a comm message or the running cell): Output widgets capture by its msg_id. */
      currentParent() { return manager.kernel.parentForOutput(); },
      /** What the frontend has shown of itself: comm_info requests seen, targets it tried to open. */
      frontend() {
        return { commInfoRequests: manager.frontend.commInfoRequests, openedTargets: [...manager.frontend.openedTargets] };
      },
    };
  }
}

module.exports = { CommManager, Comm, COMM_MESSAGES, toBuffers };
