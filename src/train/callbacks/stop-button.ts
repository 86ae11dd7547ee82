/**
 * A Stop button in the live training display (`fit(..., { stopButton: true })`): a click ends
 * training after the current step, like `ctx.stop(reason)`; the epoch so far is recorded and the
 * checkpoint callback keeps and restores the best weights. Clicks arrive as comm messages, which
 * the kernel handles while the loop awaits; the button makes the loop yield at least every 100 ms.
 *
 * 'auto' (the default) shows it only when a widget frontend is attached (JupyterLab, Notebook 7,
 * VS Code, Voilà-style pages): headless runs (nbconvert, CI) never get a button nor wait for one.
 */
import { inKernel } from '../../display';
import { yieldToEventLoop } from '../../util/async';
import { Button } from '../../widgets/controls';
import { widgetFrontend } from '../../widgets/frontend';
import { display } from '../../display';
import type { Callback, TrainContext } from './callback';

export const STOP_REASON = 'Stop button pressed';

/** Whether fit shows the button: true / false, or 'auto' (notebook progress and a widget frontend). */
export function wantStopButton(option: boolean | 'auto' | undefined, progressMode: string): boolean {
  if (option === true) return inKernel();
  if (option === false) return false;
  return progressMode === 'notebook' && widgetFrontend();
}

export class StopButton implements Callback {
  private button: Button | null = null;
  private lastYield = 0;
  private pressed = false;

  onTrainBegin(ctx: TrainContext): void {
    this.pressed = false;
    const button = new Button({
      description: 'Stop training', buttonStyle: 'danger', icon: 'stop',
      tooltip: 'End training after the current step (the best checkpoint is kept)',
    });
    button.onClick(() => {
      if (this.pressed || !ctx) return;
      this.pressed = true;
      ctx.stop(STOP_REASON);
      button.set({ disabled: true, description: 'Stopping…' });
    });
    this.button = button;
    display(button);
  }

  async onBatchEnd(): Promise<void> {
    const now = Date.now();
    if (now - this.lastYield < 100) return;
    this.lastYield = now;
    await yieldToEventLoop();
  }

  onTrainEnd(ctx: TrainContext): void {
    this.finish(this.pressed ? `Stopped (epoch ${ctx.epoch})` : ctx.stopTraining ? 'Training stopped' : 'Training finished');
  }

  cleanup(): void {
    this.finish('Training ended');
  }

  private finish(description: string): void {
    if (!this.button || !this.button.isOpen) return;
    this.button.set({ disabled: true, description, button_style: '', icon: this.pressed ? 'stop' : 'check' });
    this.button = null;
  }
}
