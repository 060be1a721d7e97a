/**
 * Lanes with their own git worktree: where one goes, what it is called, and making one so that a
 * failure later (codex refusing the thread) leaves no worktree and no branch behind.
 */
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { DispatchError } from '../shared/errors.js';
import type { Logger } from './context.js';
import type { LaneWorktree } from './model.js';
import type { Worktrees, WorktreeStatus } from './ports.js';

export const DEFAULT_BRANCH_PREFIX = 'dispatch/';

/** A lane name as a directory and branch name: `[repo] fix tests` → `fix-tests`. */
export function worktreeSlug(name: string): string {
  const slug = name
    .replace(/^@/, '')
    .replace(/^\[[^\]]*\]\s*/, '')
    .trim()
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
  if (!slug) throw new DispatchError('validation', `lane name '${name}' gives no usable worktree name; use letters, digits, '.', '_' or '-'`);
  return slug;
}

/**
 * `<parent>/<repo>.worktrees/<slug>`: beside the main checkout, never inside its working tree
 * (no nested checkout for tools to trip on), on the same filesystem, and found by looking.
 */
export function worktreePathFor(mainRoot: string, slug: string): string {
  return path.join(path.dirname(mainRoot), `${path.basename(mainRoot)}.worktrees`, slug);
}

export interface WorktreePlan {
  worktree: LaneWorktree;
  /** The lane's cwd: the worktree, or the same subdirectory of it that `dir` was of its checkout. */
  cwd: string;
}

/** Where a new worktree for a lane named `name` working in `dir` goes, and on which branch from which base. */
export async function planWorktree(worktrees: Worktrees, options: { dir: string; name: string; branch?: string | undefined; branchPrefix?: string | undefined; base?: string | undefined }): Promise<WorktreePlan> {
  const location = await worktrees.locate(options.dir);
  if (!location) throw new DispatchError('validation', `${options.dir} is not inside a git repository; --worktree needs one`, { data: { cwd: options.dir } });
  const slug = worktreeSlug(options.name);
  // HEAD of the checkout the lane works in: a fork from a worktree lane branches from its branch.
  const base = await worktrees.baseName(location.toplevel, options.base ?? 'HEAD');
  const worktreePath = worktreePathFor(location.mainRoot, slug);
  // git names the top level by its real path: a cwd reached through a symlink is compared as real too.
  const relative = path.relative(location.toplevel, await realpath(options.dir));
  return {
    worktree: { repo: location.mainRoot, path: worktreePath, branch: options.branch ?? `${options.branchPrefix ?? DEFAULT_BRANCH_PREFIX}${slug}`, base },
    cwd: relative && !relative.startsWith('..') ? path.join(worktreePath, relative) : worktreePath,
  };
}

/** Creates the worktree, then runs `use`; if that fails, the worktree and its branch go again. */
export async function withNewWorktree<T>(ctx: { worktrees: Worktrees; log: Logger }, worktree: LaneWorktree, use: () => Promise<T>): Promise<T> {
  await ctx.worktrees.create(worktree);
  try {
    return await use();
  } catch (error) {
    await removeWorktreeAndBranch(ctx, worktree);
    throw error;
  }
}

async function removeWorktreeAndBranch(ctx: { worktrees: Worktrees; log: Logger }, worktree: LaneWorktree): Promise<void> {
  try {
    await ctx.worktrees.remove(worktree, { force: true });
    await ctx.worktrees.deleteBranch(worktree.repo, worktree.branch);
  } catch (error) {
    ctx.log.error('worktree.rollback_failed', { path: worktree.path, branch: worktree.branch, error: (error as Error).message });
  }
}

/** Refuses to remove a worktree with uncommitted or untracked files unless forced. */
export function requireRemovable(worktree: LaneWorktree, status: WorktreeStatus | null, force: boolean): void {
  if (force || !status || status.dirtyFiles === 0) return;
  const files = `${status.dirtyFiles} changed or untracked file${status.dirtyFiles === 1 ? '' : 's'}`;
  throw new DispatchError('conflict', `worktree ${worktree.path} has ${files}; commit or discard them, or pass --force to remove it anyway`, {
    data: { path: worktree.path, dirty_files: status.dirtyFiles, flag: '--force' },
  });
}

/** The worktree as `lane get` shows it: the stored record and what git says of it now. */
export async function worktreeDetailOf(worktrees: Worktrees, worktree: LaneWorktree) {
  const status = await worktrees.status(worktree);
  return { ...worktree, present: status !== null, dirty_files: status?.dirtyFiles ?? null, ahead: status?.ahead ?? null, behind: status?.behind ?? null };
}
