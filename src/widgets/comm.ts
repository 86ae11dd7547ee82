/**
 * Comms from TypeScript: the tsdl kernel's comm API (kernel/lib/comms.js, reached through the
 * bridge at globalThis[Symbol.for('tsdl.kernel')].comms), typed. Outside the kernel (scripts,
 * tests) `openComm` returns a local comm that sends nothing, so widgets still work as plain objects.
 *
 * ```ts
 * const comm = openComm('my.target', { hello: 1 });
 * comm.onMsg((m) => console.log(m.data, m.buffers.length));
 * registerCommTarget('echo', (comm) => comm.onMsg((m) => comm.send(m.data, {}, m.buffers)));
 * ```
 */
import { kernelBridge } from '../kernel-bridge';

export type JSONObject = Record<string, unknown>;
/** Binary parts of a message: ArrayBuffers or any typed array / DataView / Buffer. */
export type BufferLike = ArrayBuffer | ArrayBufferView;

/** A comm message from the frontend. */
export interface CommMessage {
  commId: string;
  data: JSONObject;
  metadata: JSONObject;
  /** Binary buffers (Node Buffers, i.e. Uint8Arrays). */
  buffers: Uint8Array[];
  /** The message header (msg_id, msg_type, ...). */
  header: { msg_id: string; msg_type: string; [k: string]: unknown };
  parentHeader: JSONObject;
}

/** One comm (a channel between a kernel-side and a frontend-side object). */
export interface Comm {
  readonly id: string;
  readonly targetName: string;
  readonly closed: boolean;
  send(data: JSONObject, metadata?: JSONObject, buffers?: BufferLike[]): void;
  close(data?: JSONObject, metadata?: JSONObject, buffers?: BufferLike[]): void;
  /** Handler for frontend comm_msg; may be async (the kernel waits for it before the next comm message). */
  onMsg(handler: (msg: CommMessage) => unknown): () => void;
  onClose(handler: (msg: CommMessage | undefined) => unknown): () => void;
}

/** What the frontend has shown of itself (see widgetFrontend in frontend.ts). */
export interface FrontendInfo {
  commInfoRequests: number;
  openedTargets: string[];
}

interface CommBridge {
  registerTarget(name: string, handler: (comm: Comm, msg: CommMessage) => unknown): () => void;
  unregisterTarget(name: string): void;
  open(target: string, data?: JSONObject, metadata?: JSONObject, buffers?: BufferLike[], commId?: string): Comm;
  list(targetName?: string): Record<string, { target_name: string }>;
  currentParent(): { msg_id?: string } | null;
  frontend(): FrontendInfo;
}

/** The kernel's comm API, or undefined outside the tsdl kernel. */
export function commBridge(): CommBridge | undefined {
  const b = kernelBridge<{ comms: CommBridge }>('comms', 'object');
  return b && typeof b.comms.open === 'function' ? b.comms : undefined;
}

let localIds = 0;

/** A comm with no frontend (outside the kernel): sends go nowhere, handlers never fire. */
class LocalComm implements Comm {
  readonly id = `local-${process.pid}-${++localIds}`;
  closed = false;
  private closeHandlers: Array<(m: undefined) => unknown> = [];
  constructor(readonly targetName: string) {}
  send(): void {}
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const h of this.closeHandlers) h(undefined);
  }
  onMsg(): () => void { return () => undefined; }
  onClose(handler: (m: undefined) => unknown): () => void {
    this.closeHandlers.push(handler);
    return () => { this.closeHandlers = this.closeHandlers.filter((h) => h !== handler); };
  }
}

/** Opens a comm to the frontend's `target` (comm_open on IOPub, parented to the running cell). */
export function openComm(target: string, data: JSONObject = {}, metadata: JSONObject = {}, buffers: BufferLike[] = []): Comm {
  const bridge = commBridge();
  return bridge ? bridge.open(target, data, metadata, buffers) : new LocalComm(target);
}

/**
 * Handles comms the frontend opens to `target` (`handler(comm, openMessage)`). Returns a function
 * that unregisters it. Outside the kernel it does nothing.
 */
export function registerCommTarget(target: string, handler: (comm: Comm, msg: CommMessage) => unknown): () => void {
  const bridge = commBridge();
  return bridge ? bridge.registerTarget(target, handler) : () => undefined;
}

/** Open comms by id (optionally of one target), as comm_info_reply lists them. */
export function openComms(targetName?: string): Record<string, { target_name: string }> {
  return commBridge()?.list(targetName) ?? {};
}
