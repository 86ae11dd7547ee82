/**
 * "Epoch [e/E], Step [s/S], Loss: x" every N steps: the mean training loss of those N steps, read
 * from the epoch's running sum on the device (one read per N steps, none in between).
 */
import { yieldToEventLoop } from '../../util/async';
import type { BatchEnd, Callback, TrainContext } from './callback';

export class LogEvery implements Callback {
  private loggedSum = 0;
  private loggedSeen = 0;

  constructor(readonly every: number) {
    if (!(Number.isInteger(every) && every > 0)) throw new Error(`logEvery is ${String(every)}: use a whole number of steps > 0 (or 0 in fit options for no log).`);
  }

  onEpochBegin(): void {
    this.loggedSum = 0;
    this.loggedSeen = 0;
  }

  async onBatchEnd(b: BatchEnd, ctx: TrainContext): Promise<void> {
    if (b.step % this.every !== 0) return;
    const sum = await b.lossSum();
    const mean = (sum - this.loggedSum) / (b.seen - this.loggedSeen);
    this.loggedSum = sum;
    this.loggedSeen = b.seen;
    ctx.status = `loss ${mean.toFixed(4)}`;
    ctx.log(`Epoch [${b.epoch}/${ctx.epochs}], Step [${b.step}${ctx.steps ? `/${ctx.steps}` : ''}], Loss: ${mean.toFixed(4)}`);
    await yieldToEventLoop();
  }
}
