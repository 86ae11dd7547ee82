/**
 * The core widgets (ipywidgets 8 models: @jupyter-widgets/controls 2.0.0, base 2.0.0 — npm
 * @jupyter-widgets/controls 5 / base 6), typed. Every state key of a model is a camelCase
 * property (`slider.readoutFormat`, `box.children`) and a constructor option; setting one syncs it
 * to the frontend. Each DOM widget owns a Layout and (where the model has one) a style widget, as
 * ipywidgets creates them.
 *
 * ```ts
 * const alpha = new FloatSlider({ min: 0, max: 1, step: 0.01, value: 0.1, description: "α" });
 * alpha.observe("value", (c) => console.log(c.value));
 * display(new HBox([alpha, new Label("drag me")]));
 * ```
 */
import { Widget, spec, BASE, type Change, type ModelSpec, type State } from './widget';

/** `readout_format` → `readoutFormat`, `_dom_classes` → `domClasses`. */
export function camel(key: string): string {
  return key.replace(/^_+/, '').replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** The widget's state from defaults and camelCase options; unknown options are an error. */
function stateFrom(name: string, defaults: State, options: Record<string, unknown>, skip: string[] = []): State {
  const byCamel = new Map(Object.keys(defaults).map((k) => [camel(k), k]));
  const state: State = { ...defaults };
  for (const [k, v] of Object.entries(options)) {
    if (v === undefined || skip.includes(k)) continue;
    const key = byCamel.get(k);
    if (!key) throw new Error(`${name} has no option '${k}'. Its options are: ${[...byCamel.keys(), ...skip].sort().join(', ')}.`);
    state[key] = v;
  }
  return state;
}

/** Defines camelCase accessors for state keys on a widget class. */
function accessors(cls: { prototype: object }, keys: string[]): void {
  for (const key of keys) {
    Object.defineProperty(cls.prototype, camel(key), {
      configurable: true,
      get(this: Widget) { return this.get(key); },
      set(this: Widget, v: unknown) { this.set({ [key]: v }); },
    });
  }
}

// ------------------------------------------------------------------------------------ layout

const LAYOUT_KEYS = ['align_content', 'align_items', 'align_self', 'border_bottom', 'border_left', 'border_right', 'border_top',
  'bottom', 'display', 'flex', 'flex_flow', 'grid_area', 'grid_auto_columns', 'grid_auto_flow', 'grid_auto_rows', 'grid_column',
  'grid_gap', 'grid_row', 'grid_template_areas', 'grid_template_columns', 'grid_template_rows', 'height', 'justify_content',
  'justify_items', 'left', 'margin', 'max_height', 'max_width', 'min_height', 'min_width', 'object_fit', 'object_position',
  'order', 'overflow', 'padding', 'right', 'top', 'visibility', 'width'] as const;

type Camel<S extends string> = S extends `_${infer R}` ? Camel<R> : S extends `${infer H}_${infer T}` ? `${H}${Capitalize<Camel<T>>}` : S;
/** CSS properties of a widget's box (null: the frontend's default). */
export type LayoutOptions = { [K in (typeof LAYOUT_KEYS)[number] as Camel<K>]?: string | null };

export interface Layout extends Required<LayoutOptions> {}
/** A widget's CSS layout (LayoutModel). */
export class Layout extends Widget {
  constructor(options: LayoutOptions = {}) {
    super(spec('LayoutModel', 'LayoutView', BASE), stateFrom('Layout', Object.fromEntries(LAYOUT_KEYS.map((k) => [k, null])), options));
  }
}
accessors(Layout, [...LAYOUT_KEYS]);

// ------------------------------------------------------------------------------------ styles

/** A style model: named keys, all null / '' by default. */
function styleClass<O extends object>(modelName: string, keys: Record<string, unknown>) {
  class Style extends Widget {
    constructor(options: O = {} as O) {
      super(spec(modelName, 'StyleView', undefined, BASE), stateFrom(modelName.replace(/Model$/, ''), keys, options as Record<string, unknown>));
    }
  }
  accessors(Style, Object.keys(keys));
  return Style as unknown as new (options?: O) => Widget & Required<O>;
}

type Css = string | null;
export interface DescriptionStyleOptions { descriptionWidth?: string }
export interface SliderStyleOptions extends DescriptionStyleOptions { handleColor?: Css }
export interface ProgressStyleOptions extends DescriptionStyleOptions { barColor?: Css }
export interface CheckboxStyleOptions extends DescriptionStyleOptions { background?: Css }
export interface TextStyleOptions extends DescriptionStyleOptions { background?: Css; fontSize?: Css; textColor?: Css }
interface FontOptions { fontFamily?: Css; fontSize?: Css; fontStyle?: Css; fontVariant?: Css; fontWeight?: Css; textColor?: Css; textDecoration?: Css }
export interface LabelStyleOptions extends DescriptionStyleOptions, FontOptions { background?: Css }
export interface ButtonStyleOptions extends FontOptions { buttonColor?: Css }
const FONT = { font_family: null, font_size: null, font_style: null, font_variant: null, font_weight: null, text_color: null, text_decoration: null };

export const DescriptionStyle = styleClass<DescriptionStyleOptions>('DescriptionStyleModel', { description_width: '' });
export const SliderStyle = styleClass<SliderStyleOptions>('SliderStyleModel', { description_width: '', handle_color: null });
export const ProgressStyle = styleClass<ProgressStyleOptions>('ProgressStyleModel', { bar_color: null, description_width: '' });
export const CheckboxStyle = styleClass<CheckboxStyleOptions>('CheckboxStyleModel', { background: null, description_width: '' });
export const TextStyle = styleClass<TextStyleOptions>('TextStyleModel', { background: null, description_width: '', font_size: null, text_color: null });
export const HTMLStyle = styleClass<TextStyleOptions>('HTMLStyleModel', { background: null, description_width: '', font_size: null, text_color: null });
export const LabelStyle = styleClass<LabelStyleOptions>('LabelStyleModel', { background: null, description_width: '', ...FONT });
export const ButtonStyle = styleClass<ButtonStyleOptions>('ButtonStyleModel', { button_color: null, ...FONT });

// ------------------------------------------------------------------------------------ DOM widgets

/** Options every visible widget has. */
export interface DOMWidgetOptions {
  /** CSS classes of the widget's element. */
  domClasses?: string[];
  tabbable?: boolean | null;
  tooltip?: string | null;
  /** A Layout, or its CSS properties. */
  layout?: Layout | LayoutOptions;
}
export interface DescriptionOptions extends DOMWidgetOptions {
  /** The label beside the control. */
  description?: string;
  descriptionAllowHtml?: boolean;
}

const DOM_DEFAULTS = { _dom_classes: [] as string[], tabbable: null, tooltip: null };
const DESCRIPTION_DEFAULTS = { description: '', description_allow_html: false };

/** A widget with a view in the page, its Layout and (optional) style widget. */
export class DOMWidget extends Widget {
  constructor(specOf: ModelSpec, defaults: State, options: Record<string, unknown>, style?: new (o?: any) => Widget) {
    const { layout, style: styleOption, ...rest } = options as { layout?: Layout | LayoutOptions; style?: unknown };
    const layoutWidget = layout instanceof Layout ? layout : new Layout(layout ?? {});
    const state = stateFrom(specOf.modelName.replace(/Model$/, ''), { ...DOM_DEFAULTS, ...defaults }, rest);
    state.layout = layoutWidget;
    if (style) state.style = styleOption instanceof Widget ? styleOption : new style((styleOption ?? {}) as object);
    super(specOf, state);
  }
  get layout(): Layout { return this.get('layout') as Layout; }
  get domClasses(): string[] { return this.get('_dom_classes') as string[]; }
  set domClasses(v: string[]) { this.set({ _dom_classes: v }); }
  get tooltip(): string | null { return this.get('tooltip') as string | null; }
  set tooltip(v: string | null) { this.set({ tooltip: v }); }
  get tabbable(): boolean | null { return this.get('tabbable') as boolean | null; }
  set tabbable(v: boolean | null) { this.set({ tabbable: v }); }
}

/** A widget holding a value the user changes, observable as 'value'. */
export interface ValueWidget<T> extends Widget {
  value: T;
  description: string;
}

/** Calls `fn(value, change)` whenever the widget's value changes; returns the unsubscribe function. */
export function onValue<T>(widget: ValueWidget<T>, fn: (value: T, change: Change<T>) => unknown): () => void {
  return widget.observe('value', (c) => fn(c.value as T, c as Change<T>));
}

// ------------------------------------------------------------------------------------ sliders

interface SliderCommon extends DescriptionOptions {
  behavior?: 'drag-tap' | 'drag-snap' | 'tap' | 'drag' | 'snap';
  /** Send values while dragging (default true), else on release. */
  continuousUpdate?: boolean;
  disabled?: boolean;
  orientation?: 'horizontal' | 'vertical';
  readout?: boolean;
  /** d3-format of the readout ('.2f' for FloatSlider, 'd' for IntSlider). */
  readoutFormat?: string;
  style?: Widget | SliderStyleOptions;
}
export interface SliderOptions extends SliderCommon {
  value?: number;
  min?: number;
  max?: number;
  step?: number;
}
const SLIDER_KEYS = ['value', 'min', 'max', 'step', 'behavior', 'continuous_update', 'description', 'description_allow_html', 'disabled', 'orientation', 'readout', 'readout_format'];
const sliderDefaults = (format: string, step: number) => ({
  ...DESCRIPTION_DEFAULTS, behavior: 'drag-tap', continuous_update: true, disabled: false, max: 100, min: 0,
  orientation: 'horizontal', readout: true, readout_format: format, step, value: 0,
});

class SliderBase extends DOMWidget {
  protected coerce(key: string, value: unknown): unknown {
    if (key !== 'value' || typeof value !== 'number') return value;
    const min = this.state?.min as number, max = this.state?.max as number;
    return Math.min(max, Math.max(min, value));
  }
}

export interface FloatSlider extends Required<Omit<SliderOptions, 'layout' | 'style'>> {}
/** A slider for a float (FloatSliderModel); the value is clamped to [min, max]. */
export class FloatSlider extends SliderBase implements ValueWidget<number> {
  constructor(options: SliderOptions = {}) {
    super(spec('FloatSliderModel', 'FloatSliderView'), sliderDefaults('.2f', 0.1), options as Record<string, unknown>, SliderStyle);
  }
  get style(): Widget & Required<SliderStyleOptions> { return this.get('style') as never; }
}
accessors(FloatSlider, SLIDER_KEYS);

export interface IntSlider extends Required<Omit<SliderOptions, 'layout' | 'style'>> {}
/** A slider for an integer (IntSliderModel); the value is rounded and clamped to [min, max]. */
export class IntSlider extends SliderBase implements ValueWidget<number> {
  constructor(options: SliderOptions = {}) {
    for (const k of ['value', 'min', 'max', 'step'] as const) {
      const v = options[k];
      if (v !== undefined && !Number.isInteger(v)) throw new Error(`IntSlider: ${k} must be an integer, got ${v} (use FloatSlider for fractions).`);
    }
    super(spec('IntSliderModel', 'IntSliderView'), sliderDefaults('d', 1), options as Record<string, unknown>, SliderStyle);
  }
  protected coerce(key: string, value: unknown): unknown {
    return super.coerce(key, key === 'value' && typeof value === 'number' ? Math.round(value) : value);
  }
  get style(): Widget & Required<SliderStyleOptions> { return this.get('style') as never; }
}
accessors(IntSlider, SLIDER_KEYS);

// ------------------------------------------------------------------------------------ progress

export interface ProgressOptions extends DescriptionOptions {
  value?: number;
  min?: number;
  max?: number;
  barStyle?: '' | 'success' | 'info' | 'warning' | 'danger';
  orientation?: 'horizontal' | 'vertical';
  style?: Widget | ProgressStyleOptions;
}
export interface FloatProgress extends Required<Omit<ProgressOptions, 'layout' | 'style'>> {}
/** A progress bar (FloatProgressModel). */
export class FloatProgress extends DOMWidget implements ValueWidget<number> {
  constructor(options: ProgressOptions = {}) {
    super(spec('FloatProgressModel', 'ProgressView'), { ...DESCRIPTION_DEFAULTS, bar_style: '', max: 100, min: 0, orientation: 'horizontal', value: 0 }, options as Record<string, unknown>, ProgressStyle);
  }
}
accessors(FloatProgress, ['value', 'min', 'max', 'bar_style', 'orientation', 'description', 'description_allow_html']);

// ------------------------------------------------------------------------------------ selection

/** Dropdown options: values (shown as text) or [label, value] pairs. */
export type Choice<T> = T | readonly [string, T];

export interface DropdownOptions<T> extends DescriptionOptions {
  options: readonly Choice<T>[];
  /** The selected value (default: the first option). */
  value?: T;
  disabled?: boolean;
  style?: Widget | DescriptionStyleOptions;
}

function choicePairs<T>(options: readonly Choice<T>[]): Array<[string, T]> {
  return options.map((o) => (Array.isArray(o) && o.length === 2 && typeof o[0] === 'string' ? [o[0], o[1]] as [string, T] : [String(o), o as T]));
}

/** A drop-down list (DropdownModel): the frontend syncs `index`, `value` is the chosen option's value. */
export class Dropdown<T = string> extends DOMWidget implements ValueWidget<T> {
  private pairs: Array<[string, T]>;

  constructor(options: DropdownOptions<T>) {
    const pairs = choicePairs(options.options ?? []);
    if (pairs.length === 0) throw new Error('Dropdown needs at least one option: new Dropdown({ options: ["a", "b"] }).');
    let index = 0;
    if (options.value !== undefined) {
      index = pairs.findIndex(([, v]) => v === options.value);
      if (index < 0) throw new Error(`Dropdown: value ${JSON.stringify(options.value)} is not one of its options (${pairs.map(([l]) => l).join(', ')}).`);
    }
    const { options: _o, value: _v, ...rest } = options;
    super(spec('DropdownModel', 'DropdownView'), { ...DESCRIPTION_DEFAULTS, _options_labels: pairs.map(([l]) => l), disabled: false, index }, rest as Record<string, unknown>, DescriptionStyle);
    this.pairs = pairs;
    // `value` is kernel-side: report it to observers whenever the index moves.
    this.observe('index', async (c) => {
      const old = typeof c.oldValue === 'number' ? this.pairs[c.oldValue]?.[1] : undefined;
      await this.emit({ name: 'value', oldValue: old, value: this.value, widget: this, source: c.source });
    });
  }

  protected coerce(key: string, value: unknown): unknown {
    if (key === 'index' && typeof value === 'number' && this.pairs) return Math.max(0, Math.min(this.pairs.length - 1, Math.round(value)));
    return value;
  }

  get value(): T { return this.pairs[this.index][1]; }
  set value(v: T) {
    const i = this.pairs.findIndex(([, x]) => x === v);
    if (i < 0) throw new Error(`Dropdown: ${JSON.stringify(v)} is not one of its options (${this.labels.join(', ')}).`);
    this.set({ index: i });
  }
  get index(): number { return this.get('index') as number; }
  set index(i: number) { this.set({ index: i }); }
  get labels(): string[] { return this.pairs.map(([l]) => l); }
  /** Replaces the options (the selection moves to the first one). */
  setOptions(options: readonly Choice<T>[]): void {
    this.pairs = choicePairs(options);
    this.set({ _options_labels: this.labels, index: 0 });
  }
  get description(): string { return this.get('description') as string; }
  set description(v: string) { this.set({ description: v }); }
  get disabled(): boolean { return this.get('disabled') as boolean; }
  set disabled(v: boolean) { this.set({ disabled: v }); }
}

// ------------------------------------------------------------------------------------ boolean, text

export interface CheckboxOptions extends DescriptionOptions {
  value?: boolean;
  disabled?: boolean;
  /** Indent to line up with described controls (default true). */
  indent?: boolean;
  style?: Widget | CheckboxStyleOptions;
}
export interface Checkbox extends Required<Omit<CheckboxOptions, 'layout' | 'style'>> {}
/** A check box (CheckboxModel). */
export class Checkbox extends DOMWidget implements ValueWidget<boolean> {
  constructor(options: CheckboxOptions = {}) {
    super(spec('CheckboxModel', 'CheckboxView'), { ...DESCRIPTION_DEFAULTS, disabled: false, indent: true, value: false }, options as Record<string, unknown>, CheckboxStyle);
  }
}
accessors(Checkbox, ['value', 'disabled', 'indent', 'description', 'description_allow_html']);

export interface TextOptions extends DescriptionOptions {
  value?: string;
  placeholder?: string;
  continuousUpdate?: boolean;
  disabled?: boolean;
  style?: Widget | TextStyleOptions;
}
export interface Text extends Required<Omit<TextOptions, 'layout' | 'style'>> {}
/** A one-line text field (TextModel). */
export class Text extends DOMWidget implements ValueWidget<string> {
  constructor(options: TextOptions = {}) {
    super(spec('TextModel', 'TextView'), { ...DESCRIPTION_DEFAULTS, continuous_update: true, disabled: false, placeholder: '\u200b', value: '' }, options as Record<string, unknown>, TextStyle);
  }
}
accessors(Text, ['value', 'placeholder', 'continuous_update', 'disabled', 'description', 'description_allow_html']);

export interface LabelOptions extends DescriptionOptions {
  value?: string;
  placeholder?: string;
  style?: Widget | LabelStyleOptions;
}
/** Label and HTML: the same state (text that code sets), different models and styles. */
abstract class TextDisplay extends DOMWidget {
  constructor(model: 'Label' | 'HTML', style: new (o?: any) => Widget, options: LabelOptions | string) {
    super(spec(`${model}Model`, `${model}View`), { ...DESCRIPTION_DEFAULTS, placeholder: '\u200b', value: '' },
      (typeof options === 'string' ? { value: options } : options) as Record<string, unknown>, style);
  }
}
accessors(TextDisplay, ['value', 'placeholder', 'description', 'description_allow_html']);

export interface Label extends Required<Omit<LabelOptions, 'layout' | 'style'>> {}
/** Text that code sets (LabelModel). `new Label("text")` or `new Label({ value })`. */
export class Label extends TextDisplay implements ValueWidget<string> {
  constructor(options: LabelOptions | string = {}) { super('Label', LabelStyle, options); }
}

export interface HTML extends Required<Omit<LabelOptions, 'layout' | 'style'>> {}
/** HTML that code sets (HTMLModel). */
export class HTML extends TextDisplay implements ValueWidget<string> {
  constructor(options: LabelOptions | string = {}) { super('HTML', HTMLStyle, options); }
}

// ------------------------------------------------------------------------------------ button

export interface ButtonOptions extends DOMWidgetOptions {
  description?: string;
  buttonStyle?: '' | 'primary' | 'success' | 'info' | 'warning' | 'danger';
  /** A Font Awesome icon name without the fa- prefix (e.g. 'stop'). */
  icon?: string;
  disabled?: boolean;
  style?: Widget | ButtonStyleOptions;
}
export interface Button extends Required<Omit<ButtonOptions, 'layout' | 'style'>> {}
/** A button (ButtonModel); `onClick(fn)` runs fn in the kernel on every click, also while a cell runs. */
export class Button extends DOMWidget {
  private clicks: Array<(button: Button) => unknown> = [];
  constructor(options: ButtonOptions | string = {}) {
    super(spec('ButtonModel', 'ButtonView'), { button_style: '', description: '', disabled: false, icon: '' }, (typeof options === 'string' ? { description: options } : options) as Record<string, unknown>, ButtonStyle);
    this.onCustom(async (content) => {
      if ((content as { event?: string } | null)?.event !== 'click') return;
      for (const fn of this.clicks.slice()) await fn(this);
    });
  }
  /** Calls `fn(button)` on each click; returns the unsubscribe function. */
  onClick(fn: (button: Button) => unknown): () => void {
    this.clicks.push(fn);
    return () => { this.clicks = this.clicks.filter((f) => f !== fn); };
  }
  /** Runs the click handlers as a click would (from code). */
  async click(): Promise<void> {
    for (const fn of this.clicks.slice()) await fn(this);
  }
}
accessors(Button, ['description', 'button_style', 'icon', 'disabled']);

// ------------------------------------------------------------------------------------ boxes

export interface BoxOptions extends DOMWidgetOptions {
  boxStyle?: '' | 'success' | 'info' | 'warning' | 'danger';
}
class Box extends DOMWidget {
  constructor(modelName: string, viewName: string, children: Widget[], options: BoxOptions) {
    for (const c of children) if (!(c instanceof Widget)) throw new TypeError(`${modelName.replace(/Model$/, '')} children must be widgets, got ${typeof c}.`);
    super(spec(modelName, viewName), { box_style: '', children: [...children] }, options as Record<string, unknown>);
  }
  get children(): Widget[] { return this.get('children') as Widget[]; }
  set children(v: Widget[]) { this.set({ children: [...v] }); }
  get boxStyle(): string { return this.get('box_style') as string; }
  set boxStyle(v: string) { this.set({ box_style: v }); }
}
/** Widgets side by side (HBoxModel). */
export class HBox extends Box {
  constructor(children: Widget[] = [], options: BoxOptions = {}) { super('HBoxModel', 'HBoxView', children, options); }
}
/** Widgets stacked (VBoxModel). */
export class VBox extends Box {
  constructor(children: Widget[] = [], options: BoxOptions = {}) { super('VBoxModel', 'VBoxView', children, options); }
}
