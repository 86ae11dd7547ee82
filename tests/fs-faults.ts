/**
 * Real file-system faults for tests: a small tmpfs (a full disk), a read-only bind mount, and
 * running a child as an unprivileged user (a `chmod 555` folder means nothing to root). Each
 * returns either what it made or `{ skip }` with the reason it cannot be made here, so that a test
 * skips cleanly where mount or user switching is refused (containers without CAP_SYS_ADMIN).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Made<T> = T | { skip: string };

function sh(cmd: string, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { ok: r.status === 0, out: `${r.error?.message ?? ''}${r.stderr ?? ''}`.trim() };
}

/** Unmounts `dir` (lazily if a file there is still open) and removes the empty mount point. */
function release(dir: string): void {
  if (!sh('umount', [dir]).ok) sh('umount', ['-l', dir]);
  try {
    rmdirSync(dir); // never recursive: through a mount that stayed, it would reach the source
  } catch {
    // still mounted (reported by mount(8)); nothing of ours to remove
  }
}

/** A fresh tmpfs of `size` (mount's syntax: '30m', '128k'); `unmount()` removes it. */
export function smallDisk(size: string): Made<{ dir: string; unmount: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'tsdl-small-disk-'));
  const r = sh('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  if (!r.ok) {
    rmSync(dir, { recursive: true, force: true });
    return { skip: `cannot mount a ${size} tmpfs here (${r.out || 'mount failed'})` };
  }
  return {
    dir,
    unmount: () => release(dir),
  };
}

/** `src` mounted read-only at a new path (EROFS for every writer, root included). */
export function readOnlyView(src: string): Made<{ dir: string; unmount: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'tsdl-ro-'));
  const bind = sh('mount', ['--bind', src, dir]);
  if (!bind.ok) {
    rmSync(dir, { recursive: true, force: true });
    return { skip: `cannot bind-mount here (${bind.out || 'mount failed'})` };
  }
  const ro = sh('mount', ['-o', 'remount,bind,ro', dir]);
  if (!ro.ok) {
    sh('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
    return { skip: `cannot remount read-only here (${ro.out || 'mount failed'})` };
  }
  return {
    dir,
    unmount: () => release(dir),
  };
}

/**
 * The command prefix that runs a child as `nobody` (setpriv, else runuser), checked by running
 * Node as that user on `script` (which must be readable by it); or why not.
 */
export function asNobody(script: string): Made<string[]> {
  const candidates = [
    ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups'],
    ['runuser', '-u', 'nobody', '--'],
  ];
  const reasons: string[] = [];
  for (const prefix of candidates) {
    const r = spawnSync(prefix[0], [...prefix.slice(1), process.execPath, '-e', `require('fs').accessSync(${JSON.stringify(script)}, require('fs').constants.R_OK); process.exit(process.getuid() === 0 ? 3 : 0)`], { encoding: 'utf8' });
    if (r.status === 0) return prefix;
    const why = (r.error?.message ?? r.stderr ?? '').trim().split('\n')[0] || `exit ${r.status}`;
    reasons.push(why.startsWith(prefix[0]) ? why : `${prefix[0]}: ${why}`);
  }
  return { skip: `cannot run Node as an unprivileged user reading ${script} (${reasons.join('; ')})` };
}
