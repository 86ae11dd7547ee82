// Node internals the kernel uses that @types/node does not declare (for kernel/tsconfig.json).
declare namespace NodeJS {
  interface Process {
    /** Silences deprecation warnings (documented, but missing from @types/node). */
    noDeprecation?: boolean;
    binding(name: string): any;
  }
}

declare module 'module' {
  namespace Module {
    function _load(request: string, parent: any, isMain?: boolean): any;
    function _resolveFilename(request: string, parent: any, isMain?: boolean, options?: unknown): string;
    function _nodeModulePaths(from: string): string[];
  }
}

interface Error {
  /** Node's error codes (e.g. MODULE_NOT_FOUND), set on plain Errors too. */
  code?: string;
}
