/**
 * tfjs's SGD, momentum and Adam updates as SIMD passes over the weights in place, keeping their
 * state where tfjs keeps it — the optimizer's own accumulator variables, created the way its
 * `applyGradients` creates them, Adam's β powers and the iteration count — so fused and tfjs steps
 * can alternate on one optimizer (and save/restore it) as if only tfjs had run.
 * Other optimizers (or subclasses, which may change the rule) have no fused update.
 */
import { tf } from '../../tf';
import type * as TF from '@tensorflow/tfjs';
import type { SimdKernels } from '../../backend/simd/index';
import { ownedOffset, type Heap } from './heap';

export interface FusedUpdate {
  /** −lr for plain SGD: the weight gradient's product may then add itself to the weights. */
  readonly sgdScale: number | null;
  /** Prepares the state of every variable (call once per step, before any update). */
  begin(vars: TF.Variable[]): void;
  /** Applies the update of variable `index` (`n` floats at `w`) with the gradient at `g`. */
  update(index: number, w: number, g: number, n: number): void;
  /** Ends the step (β powers, iteration count). */
  end(): void;
}

interface OptimizerVariable { originalName: string; variable: TF.Variable }
type Internals = {
  learningRate: number; momentum: number; useNesterov: boolean; accumulations: OptimizerVariable[];
  beta1: number; beta2: number; epsilon: number; accBeta1: TF.Variable; accBeta2: TF.Variable;
  accumulatedFirstMoment: OptimizerVariable[]; accumulatedSecondMoment: OptimizerVariable[];
  incrementIterations(): void;
};

const f32 = Math.fround;

/** The optimizer's state variable `slot[i]`, created as tfjs's applyGradients would. */
function stateOf(slot: OptimizerVariable[], i: number, v: TF.Variable, suffix: string): TF.Variable {
  slot[i] ??= { originalName: `${v.name}/${suffix}`, variable: tf.tidy(() => tf.zerosLike(v).variable(false)) };
  return slot[i].variable;
}

/** The fused form of `optimizer`'s update, or null when it has none. */
export function fusedUpdate(optimizer: TF.Optimizer, heap: Heap, k: SimdKernels): FusedUpdate | null {
  const o = optimizer as unknown as Internals;
  const proto = Object.getPrototypeOf(optimizer);
  if (proto === tf.SGDOptimizer.prototype) {
    return {
      get sgdScale() { return f32(-o.learningRate); },
      begin() {},
      update(_i, w, g, n) { k.axpy(w, w, g, f32(-o.learningRate), n); },
      end() { o.incrementIterations(); },
    };
  }
  if (proto === tf.MomentumOptimizer.prototype) {
    let acc: number[] = [];
    return {
      sgdScale: null,
      begin(vars) { acc = vars.map((v, i) => ownedOffset(heap, stateOf(o.accumulations, i, v, 'momentum'))); },
      update(i, w, g, n) { k.momentum_update(w, g, acc[i], n, f32(o.momentum), f32(-o.learningRate), o.useNesterov ? 1 : 0); },
      end() { o.incrementIterations(); },
    };
  }
  if (proto === tf.AdamOptimizer.prototype) {
    let m: number[] = [];
    let v: number[] = [];
    let a1 = 0;
    let a2 = 0;
    let omab1 = 0;
    let omab2 = 0;
    return {
      sgdScale: null,
      begin(vars) {
        m = vars.map((x, i) => ownedOffset(heap, stateOf(o.accumulatedFirstMoment, i, x, 'm')));
        v = vars.map((x, i) => ownedOffset(heap, stateOf(o.accumulatedSecondMoment, i, x, 'v')));
        a1 = ownedOffset(heap, o.accBeta1);
        a2 = ownedOffset(heap, o.accBeta2);
        omab1 = f32(1 - heap.f32(a1, 1)[0]);
        omab2 = f32(1 - heap.f32(a2, 1)[0]);
      },
      update(i, w, g, n) {
        k.adam_update(w, g, m[i], v[i], n, f32(o.beta1), f32(1 - o.beta1), f32(o.beta2), f32(1 - o.beta2), omab1, omab2, f32(o.epsilon), f32(-o.learningRate));
      },
      end() {
        heap.f32(a1, 1)[0] = f32(heap.f32(a1, 1)[0] * f32(o.beta1));
        heap.f32(a2, 1)[0] = f32(heap.f32(a2, 1)[0] * f32(o.beta2));
        o.incrementIterations();
      },
    };
  }
  return null;
}
