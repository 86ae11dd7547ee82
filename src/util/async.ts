/** Lets the event loop run (timers, I/O, the kernel's queued display messages) before continuing. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}
