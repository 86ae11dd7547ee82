/** The live training chart: accuracy and loss curves redrawn in place after every epoch. */
import { trainingCurves } from '../../charts/index';
import { LiveFigure } from '../../charts/figure';
import type { Callback, TrainContext } from './callback';

export class LiveChart implements Callback {
  private figure = new LiveFigure();

  onTrainBegin(): void {
    this.figure = new LiveFigure();
  }

  onEpochEnd(_record: unknown, ctx: TrainContext): void {
    this.figure.show(trainingCurves(ctx.history, { title: ctx.name }));
  }
}
