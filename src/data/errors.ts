/**
 * The one error type of the data layer: it always names the file (or data set), what was expected,
 * what was found, and how to recover, so a failed load in a notebook says what to do next.
 */
export interface DataErrorDetails {
  /** The file or data set the problem is about. */
  file: string;
  /** What a correct file or source would have given. */
  expected: string;
  /** What was actually there. */
  found: string;
  /** What the user can do about it. */
  fix: string;
}

export class DataError extends Error {
  readonly file: string;
  readonly expected: string;
  readonly found: string;
  readonly fix: string;

  constructor(details: DataErrorDetails) {
    super(`${details.file}: expected ${details.expected}, found ${details.found}. Fix: ${details.fix}`);
    this.name = 'DataError';
    this.file = details.file;
    this.expected = details.expected;
    this.found = details.found;
    this.fix = details.fix;
  }
}

/** What went wrong, on one line, without the fix (for lists of attempts, which end with one fix). */
export function reason(err: unknown): string {
  if (err instanceof DataError) return `${err.file}: expected ${err.expected}, found ${err.found}`;
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0];
}
