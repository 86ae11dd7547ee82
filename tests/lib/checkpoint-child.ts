/**
 * Child process of the checkpoint crash tests: saves a model whose size changes every time
 * (like fit's keep-the-best checkpoint, but with sizes that make a mixed checkpoint detectable)
 * into argv[2], argv[3] times (0 = until killed), printing `saved <i> <params>` after each save.
 * The parent kills it with SIGKILL at random moments, or TSDL_TEST_CRASH_AT makes it crash itself.
 */
import { tf } from '../../src/tf';
import { saveModel } from '../../src/io';

const [dir, times] = [process.argv[2], Number(process.argv[3] ?? 0)];

/** Units of save i: alternating, so consecutive checkpoints never have the same weights size. */
export const unitsOf = (i: number) => (i % 2 === 0 ? 64 : 640);

async function main(): Promise<void> {
  for (let i = 0; times === 0 || i < times; i++) {
    const model = tf.sequential({
      layers: [tf.layers.dense({ units: unitsOf(i), inputShape: [784], kernelInitializer: tf.initializers.randomUniform({ seed: i }) }), tf.layers.dense({ units: 10 })],
    });
    await saveModel(model, dir);
    process.stdout.write(`saved ${i} ${model.countParams()}\n`);
    model.dispose();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(String(err?.stack ?? err) + '\n');
    process.exit(1);
  },
);
