/**
 * The bridge the tsdl kernel installs at globalThis[Symbol.for('tsdl.kernel')] (kernel/lib/server.js):
 * display, input, comms, output capture. Each module types the part it uses; this finds the bridge.
 */
export const KERNEL_BRIDGE: unique symbol = Symbol.for('tsdl.kernel') as never;

/**
 * The kernel's bridge typed as `T`, when its member `key` is a function (or, with `kind`, an
 * object); undefined outside the tsdl kernel or in one without that member.
 */
export function kernelBridge<T extends object>(key: keyof T & string, kind: 'function' | 'object' = 'function'): T | undefined {
  const b = (globalThis as Record<symbol, unknown>)[KERNEL_BRIDGE] as Record<string, unknown> | undefined;
  const member = b ? b[key] : undefined;
  return member !== null && typeof member === kind ? (b as T) : undefined;
}
