/**
 * The kernel side of a Jupyter widget, speaking the widget message protocol 2.1 (ipywidgets 8):
 * one comm per widget to target `jupyter.widget` (metadata `{version: '2.1.0'}`, data
 * `{state, buffer_paths}`), `update` both ways, `echo_update` for state the frontend sent,
 * `request_state`, `custom` messages, and display as `application/vnd.jupyter.widget-view+json`.
 *
 * State keys are the protocol's (snake_case, e.g. `readout_format`); the typed classes in
 * controls.ts expose them as camelCase properties (`slider.readoutFormat = '.3f'`). Widget values
 * (layout, style, children) travel as "IPY_MODEL_<id>" references.
 */
import { commBridge, openComm, registerCommTarget, type BufferLike, type Comm, type CommMessage } from './comm';
import { putBuffers, removeBuffers } from './buffers';

export const PROTOCOL_VERSION = '2.1.0';
export const WIDGET_VIEW_MIME = 'application/vnd.jupyter.widget-view+json';
const REF = 'IPY_MODEL_';

export type State = Record<string, unknown>;

/** The model and view a widget is registered with on the frontend. */
export interface ModelSpec {
  modelName: string;
  modelModule: string;
  modelVersion: string;
  viewName: string | null;
  viewModule: string;
  viewVersion: string;
}

export const CONTROLS = '@jupyter-widgets/controls';
export const BASE = '@jupyter-widgets/base';
export const OUTPUT = '@jupyter-widgets/output';
/** Module (protocol) versions of ipywidgets 8: @jupyter-widgets/base 6 and controls 5 on npm implement them. */
export const MODULE_VERSIONS: Record<string, string> = { [CONTROLS]: '2.0.0', [BASE]: '2.0.0', [OUTPUT]: '1.0.0' };

export function spec(modelName: string, viewName: string | null, module = CONTROLS, viewModule = module): ModelSpec {
  return { modelName, modelModule: module, modelVersion: MODULE_VERSIONS[module], viewName, viewModule, viewVersion: MODULE_VERSIONS[viewModule] };
}

/** A state change, as observers see it. */
export interface Change<T = unknown> {
  /** The state key (protocol name, e.g. 'value'). */
  name: string;
  oldValue: T;
  value: T;
  widget: Widget;
  /** 'frontend' when a user moved a control, 'kernel' when code set it. */
  source: 'frontend' | 'kernel';
}

export type Observer = (change: Change<any>) => unknown;

/** Live widgets by model id (references, the control comm). */
const live = new Map<string, Widget>();

/** The widget with this model id (or "IPY_MODEL_<id>" reference), if it is open. */
export function widgetById(id: string): Widget | undefined {
  return live.get(id.startsWith(REF) ? id.slice(REF.length) : id);
}

/** Every open widget (oldest first). */
export function openWidgets(): Widget[] {
  return [...live.values()];
}

function toJSON(v: unknown): unknown {
  if (v instanceof Widget) return REF + v.modelId;
  if (Array.isArray(v)) return v.map(toJSON);
  return v;
}

function fromJSON(v: unknown): unknown {
  if (typeof v === 'string' && v.startsWith(REF)) return widgetById(v) ?? v;
  if (Array.isArray(v)) return v.map(fromJSON);
  return v;
}

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Widget || b instanceof Widget) return false;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return Number.isNaN(a) && Number.isNaN(b);
  try { return JSON.stringify(a) === JSON.stringify(b); } catch { return false; }
}

/** State keys a frontend may update but that are never echoed back (large, frontend-owned). */
const NO_ECHO = new Set(['outputs']);

/** Base of every widget: state, its comm, observers. Subclasses declare their state and defaults. */
export class Widget {
  readonly modelId: string;
  readonly spec: ModelSpec;
  protected readonly comm: Comm;
  protected state: State;
  private observers = new Map<string, Observer[]>();
  private customHandlers: Array<(content: unknown, buffers: Uint8Array[]) => unknown> = [];
  private closed = false;

  constructor(spec: ModelSpec, state: State) {
    this.spec = spec;
    this.state = { ...state };
    const full = this.fullState();
    const { state: json, bufferPaths, buffers } = removeBuffers(full);
    this.comm = openComm('jupyter.widget', { state: json, buffer_paths: bufferPaths }, { version: PROTOCOL_VERSION }, buffers);
    this.modelId = this.comm.id;
    live.set(this.modelId, this);
    this.comm.onMsg((m) => this.handleMessage(m));
    this.comm.onClose(() => { this.closed = true; live.delete(this.modelId); });
  }

  /** Whether the widget's comm is still open. */
  get isOpen(): boolean {
    return !this.closed;
  }

  /** The whole state as the protocol carries it (model/view names first). */
  fullState(): State {
    const s = this.spec;
    const out: State = {
      _model_module: s.modelModule, _model_module_version: s.modelVersion, _model_name: s.modelName,
      _view_module: s.viewModule, _view_module_version: s.viewVersion, _view_name: s.viewName,
    };
    for (const [k, v] of Object.entries(this.state)) out[k] = toJSON(v);
    return out;
  }

  /** A state value by its protocol key. */
  get(key: string): unknown {
    return this.state[key];
  }

  /** Sets state (protocol keys), sends the changed keys to the frontend and notifies observers. */
  set(patch: State): this {
    const changes = this.apply(patch, 'kernel');
    if (changes.length > 0) this.sendState(Object.fromEntries(changes.map((c) => [c.name, this.state[c.name]])));
    this.notify(changes).catch((e) => console.error(`an observer of ${this} failed:`, e));
    return this;
  }

  /**
   * Calls `observer(change)` when any of `names` changes (from code or from the frontend); `'*'`
   * for every key. Returns a function that removes it.
   */
  observe(names: string | string[], observer: Observer): () => void {
    const list = Array.isArray(names) ? names : [names];
    for (const n of list) this.observers.set(n, [...(this.observers.get(n) ?? []), observer]);
    return () => { for (const n of list) this.observers.set(n, (this.observers.get(n) ?? []).filter((o) => o !== observer)); };
  }

  /** Handles custom messages from the frontend (e.g. a button's click). */
  onCustom(handler: (content: unknown, buffers: Uint8Array[]) => unknown): () => void {
    this.customHandlers.push(handler);
    return () => { this.customHandlers = this.customHandlers.filter((h) => h !== handler); };
  }

  /** Sends a custom message to the frontend view(s). */
  sendCustom(content: unknown, buffers: BufferLike[] = []): void {
    if (!this.closed) this.comm.send({ method: 'custom', content }, {}, buffers);
  }

  /** Closes the widget's comm: its views show nothing more and it stops syncing. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    live.delete(this.modelId);
    this.comm.close();
  }

  /** Coerces a value the frontend or code set (clamping, rounding); subclasses override. */
  protected coerce(_key: string, value: unknown): unknown {
    return value;
  }

  private apply(patch: State, source: Change['source']): Change[] {
    const changes: Change[] = [];
    for (const [key, raw] of Object.entries(patch)) {
      if (key.startsWith('_model_') || key.startsWith('_view_')) continue; // immutable by the protocol
      if (!(key in this.state)) {
        if (source === 'frontend') continue; // not part of this model: ignored, as ipywidgets does
        throw new Error(`${this.spec.modelName.replace(/Model$/, '')} has no state key '${key}' (set takes the protocol's names: ${Object.keys(this.state).join(', ')}; the camelCase properties take camelCase).`);
      }
      const value = this.coerce(key, source === 'frontend' ? fromJSON(raw) : raw);
      const oldValue = this.state[key];
      if (same(oldValue, value)) continue;
      this.state[key] = value;
      changes.push({ name: key, oldValue, value, widget: this, source });
    }
    return changes;
  }

  private async notify(changes: Change[]): Promise<void> {
    for (const c of changes) await this.emit(c);
  }

  /** Runs the observers of `change.name` (and '*'), in order, awaiting async ones. */
  protected async emit(change: Change): Promise<void> {
    for (const o of [...(this.observers.get(change.name) ?? []), ...(this.observers.get('*') ?? [])]) await o(change);
  }

  protected sendState(state: State, method: 'update' | 'echo_update' = 'update'): void {
    if (this.closed) return;
    const json: State = {};
    for (const [k, v] of Object.entries(state)) json[k] = toJSON(v);
    const { state: clean, bufferPaths, buffers } = removeBuffers(json);
    this.comm.send({ method, state: clean, buffer_paths: bufferPaths }, {}, buffers);
  }

  private async handleMessage(m: CommMessage): Promise<void> {
    const data = m.data as { method?: string; state?: State; buffer_paths?: unknown; content?: unknown };
    switch (data.method) {
      case 'update': {
        const received = { ...(data.state ?? {}) };
        putBuffers(received, data.buffer_paths, m.buffers);
        const changes = this.apply(received, 'frontend');
        await this.notify(changes);
        // Echo what the frontend sent (protocol 2.1), so other frontends follow; then correct it
        // with a plain update where coercion changed it (updates are always applied).
        const echo: State = {};
        for (const k of Object.keys(received)) if (!NO_ECHO.has(k) && k in this.state) echo[k] = received[k];
        if (Object.keys(echo).length > 0) this.sendState(echo, 'echo_update');
        const corrected: State = {};
        for (const k of Object.keys(echo)) if (!same(fromJSON(echo[k]), this.state[k])) corrected[k] = this.state[k];
        if (Object.keys(corrected).length > 0) this.sendState(corrected);
        return;
      }
      case 'request_state':
        this.sendState(this.fullState());
        return;
      case 'custom':
        for (const h of this.customHandlers.slice()) await h(data.content, m.buffers);
        return;
      default:
    }
  }

  /** The display bundle: the widget view, and text for frontends without widgets. */
  [Symbol.for('Jupyter.display')](): Record<string, unknown> {
    return {
      [WIDGET_VIEW_MIME]: { version_major: 2, version_minor: 0, model_id: this.modelId },
      'text/plain': this.toString(),
    };
  }

  toString(): string {
    const d = this.state.description;
    const v = this.state.value;
    return `${this.spec.modelName.replace(/Model$/, '')}(${[d ? `description=${JSON.stringify(d)}` : '', v !== undefined && typeof v !== 'object' ? `value=${JSON.stringify(v)}` : ''].filter(Boolean).join(', ')})`;
  }
}

// ipywidgets 8's control comm: a frontend (JupyterLab, Notebook 7, VS Code) reconnecting to the
// kernel asks for every widget's state in one message.
let controlRegistered = false;
export function registerControlTarget(): void {
  if (controlRegistered || !commBridge()) return;
  controlRegistered = true;
  registerCommTarget('jupyter.widget.control', (comm) => {
    comm.onMsg((m) => {
      if ((m.data as { method?: string }).method !== 'request_states') return;
      const states: State = {};
      for (const w of openWidgets()) {
        states[w.modelId] = { model_name: w.spec.modelName, model_module: w.spec.modelModule, model_module_version: w.spec.modelVersion, state: w.fullState() };
      }
      const { state, bufferPaths, buffers } = removeBuffers(states);
      comm.send({ method: 'update_states', states: state, buffer_paths: bufferPaths }, {}, buffers);
    });
  });
}
