/**
 * Training progress goes through the library's one progress bar (../util/progress.ts); `fit`'s
 * bar shows `{epoch, epochs, step, steps, info}`.
 */
import { inKernel } from '../display';

export { ProgressBar, resolveMode } from '../util/progress';
export type { ProgressMode, ProgressState, ProgressView, ProgressBarOptions } from '../util/progress';

/** Whether code runs inside the tsdl Jupyter kernel (rich, updatable output available). */
export function inNotebook(): boolean {
  return inKernel();
}
