/**
 * `interact(fn, spec)`: controls built from short specs, and an Output that shows `fn`'s result,
 * re-run and replaced whenever a control changes (ipywidgets' interact). End a cell with the
 * returned widget (or `display` it) to show it.
 *
 * Specs (the control's description is the key):
 * - `[min, max]`, `[min, max, step]`, `[min, max, step, value]` → IntSlider when all are integers,
 *   else FloatSlider (value defaults to the middle)
 * - an array of values or `[label, value]` pairs → Dropdown
 * - `true`/`false` → Checkbox · a string → Text · a number v → slider over [-v, 3v]
 * - any value widget (FloatSlider, Dropdown, ...) → used as it is
 *
 * ```ts
 * interact(({ alpha, kind }) => functionCurves([{ name: kind, options: { alpha } }]),
 *          { alpha: [0, 1, 0.01], kind: ["leakyRelu", "elu"] })
 * ```
 */
import { display } from '../display';
import { Checkbox, Dropdown, FloatSlider, IntSlider, Text, VBox, type BoxOptions, type Choice, type ValueWidget } from './controls';
import { Output } from './output';
import { Widget } from './widget';

/** One control's spec (see the module comment). */
export type Abbreviation =
  | readonly [number, number]
  | readonly [number, number, number]
  | readonly [number, number, number, number]
  | readonly Choice<unknown>[]
  | boolean
  | string
  | number
  | ValueWidget<any>;

export type InteractSpec = Record<string, Abbreviation>;

/** The value a spec's control produces. */
export type ValueOf<A> =
  A extends ValueWidget<infer V> ? V
    : A extends readonly [number, number, ...number[]] ? number
      : A extends readonly (infer C)[] ? (C extends readonly [string, infer V] ? V : C)
        : A extends boolean ? boolean
          : A extends string ? string
            : A extends number ? number
              : never;

export type InteractValues<S> = { -readonly [K in keyof S]: ValueOf<S[K]> };

export interface InteractOptions extends BoxOptions {
  /** Re-run while a slider is dragged (default true); false: when it is released. */
  continuousUpdate?: boolean;
}

function isValueWidget(v: unknown): v is ValueWidget<unknown> {
  return v instanceof Widget && 'value' in v;
}

function slider(name: string, [min, max, step, value]: readonly number[], continuousUpdate: boolean): ValueWidget<number> {
  if (!(min < max)) throw new Error(`interact: ${name}: [min, max] needs min < max, got [${min}, ${max}].`);
  const ints = [min, max, step ?? 1, value ?? 0].every(Number.isInteger);
  const s = step ?? (ints ? 1 : 0.1);
  if (!(s > 0)) throw new Error(`interact: ${name}: the step must be positive, got ${s}.`);
  const mid = min + Math.round((max - min) / 2 / s) * s;
  const v = value ?? (ints ? Math.round(mid) : Number(mid.toFixed(12)));
  const options = { min, max, step: s, value: v, description: name, continuousUpdate };
  return ints ? new IntSlider(options) : new FloatSlider(options);
}

/** The control a spec stands for. */
export function controlFor(name: string, spec: Abbreviation, continuousUpdate = true): ValueWidget<unknown> {
  if (isValueWidget(spec)) {
    if (!spec.description) spec.description = name;
    return spec;
  }
  if (Array.isArray(spec)) {
    if (spec.length >= 2 && spec.length <= 4 && spec.every((x) => typeof x === 'number')) return slider(name, spec as number[], continuousUpdate);
    return new Dropdown({ options: spec as Choice<unknown>[], description: name });
  }
  if (typeof spec === 'boolean') return new Checkbox({ value: spec, description: name });
  if (typeof spec === 'string') return new Text({ value: spec, description: name, continuousUpdate });
  if (typeof spec === 'number') {
    const [a, b] = spec === 0 ? [0, 1] : spec > 0 ? [-spec, 3 * spec] : [3 * spec, -spec];
    return slider(name, [a, b, Number.isInteger(spec) ? 1 : Math.abs(spec) / 10, spec], continuousUpdate);
  }
  throw new Error(`interact: cannot make a control for ${name} from ${JSON.stringify(spec)}: use [min, max, step], a list of choices, a boolean, a string, a number or a widget.`);
}

/** Controls and the output of `fn`, re-run on every change. */
export class Interactive<S extends InteractSpec> extends VBox {
  readonly controls: { [K in keyof S]: ValueWidget<ValueOf<S[K]>> };
  readonly output: Output;
  /** What `fn` returned last (a promise's value once it settles). */
  result: unknown;
  /** Runs (and re-runs) so far. */
  runs = 0;
  private readonly fn: (values: InteractValues<S>) => unknown;

  constructor(fn: (values: InteractValues<S>) => unknown, spec: S, options: InteractOptions = {}) {
    if (typeof fn !== 'function') throw new TypeError('interact(fn, spec): fn must be a function.');
    if (!spec || typeof spec !== 'object' || Object.keys(spec).length === 0) throw new Error('interact(fn, spec): spec needs at least one control, e.g. { alpha: [0, 1, 0.01] }.');
    const { continuousUpdate = true, ...boxOptions } = options;
    const controls = Object.fromEntries(Object.entries(spec).map(([k, a]) => [k, controlFor(k, a, continuousUpdate)]));
    const output = new Output();
    super([...Object.values(controls), output], boxOptions);
    this.fn = fn;
    this.controls = controls as never;
    this.output = output;
    for (const c of Object.values(controls)) c.observe('value', () => this.update());
    this.update();
  }

  /** The controls' current values. */
  get values(): InteractValues<S> {
    return Object.fromEntries(Object.entries(this.controls).map(([k, c]) => [k, (c as ValueWidget<unknown>).value])) as InteractValues<S>;
  }

  /** Runs `fn` with the current values and replaces the output with what it shows and returns. */
  update(): void | Promise<void> {
    this.runs += 1;
    const show = (r: unknown) => {
      this.result = r;
      if (r !== undefined) display(r);
    };
    const fail = (e: unknown) => {
      display({ [Symbol.for('Jupyter.display')]: () => ({ 'text/plain': `${(e as Error)?.name ?? 'Error'}: ${(e as Error)?.message ?? String(e)}` }) });
    };
    return this.output.capture(() => {
      try {
        const r = this.fn(this.values);
        if (r && typeof (r as Promise<unknown>).then === 'function') return (r as Promise<unknown>).then(show, fail);
        show(r);
      } catch (e) {
        fail(e);
      }
      return undefined;
    }, { clear: true, wait: true });
  }
}

/**
 * Builds the controls for `spec`, runs `fn` once and returns the widget (controls above the output);
 * `fn` re-runs on every change and its output is replaced. See the module comment for specs.
 */
export function interact<const S extends InteractSpec>(fn: (values: InteractValues<S>) => unknown, spec: S, options: InteractOptions = {}): Interactive<S> {
  return new Interactive(fn, spec, options);
}
