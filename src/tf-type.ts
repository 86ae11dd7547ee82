/**
 * The type of the tfjs namespace, in a module of its own so that src/backend/* can name it without
 * importing src/tf.ts (which imports the backend: a type cycle one value import from a real one).
 */
export type Tf = typeof import('@tensorflow/tfjs');
