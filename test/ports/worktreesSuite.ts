import { existsSync, mkdirSync, realpathSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { LaneWorktree } from '../../src/core/model.js';
import type { Worktrees } from '../../src/core/ports.js';
import { DispatchError } from '../../src/shared/errors.js';

/** One implementation of the Worktrees port over a repository it made, with the edits a test needs. */
export interface WorktreesSubject {
  worktrees: Worktrees;
  /** Makes a repository at `root` (an empty directory) with one commit on `main`. */
  makeRepo(root: string): Promise<void>;
  /** Adds an untracked file in the checkout at `dir`. */
  touch(dir: string, file: string): Promise<void>;
  /** Commits everything in the checkout at `dir`. */
  commitAll(dir: string): Promise<void>;
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DispatchError) return error.code;
    throw error;
  }
  return 'none';
}

/**
 * The Worktrees port's conformance suite: what core relies on, run against the git adapter on a
 * real repository and against the fake core's unit tests use, so the fake cannot drift from git.
 */
export function runWorktreesSuite(open: () => Promise<WorktreesSubject>): void {
  let subject: WorktreesSubject;
  let wt: Worktrees;
  let tmp: string;
  let repo: string;
  let count = 0;
  const spec = (name: string, patch: Partial<LaneWorktree> = {}): LaneWorktree => ({ repo, path: path.join(`${repo}.worktrees`, name), branch: `dispatch/${name}`, base: 'main', ...patch });
  const fresh = (): string => `w${++count}`;

  beforeAll(async () => {
    subject = await open();
    wt = subject.worktrees;
    tmp = realpathSync(await mkdtemp(path.join(os.tmpdir(), 'dispatch-wt-')));
    repo = path.join(tmp, 'repo');
    mkdirSync(path.join(repo, 'sub'), { recursive: true });
    await subject.makeRepo(repo);
  });
  afterAll(async () => rm(tmp, { recursive: true, force: true }));

  it('locates the repository of a directory, and nothing outside one', async () => {
    expect(await wt.locate(path.join(repo, 'sub'))).toEqual({ toplevel: repo, mainRoot: repo });
    expect(await wt.locate(tmp)).toBeNull();
  });

  it("names HEAD's branch as the base and refuses a ref that is no commit", async () => {
    expect(await wt.baseName(repo, 'HEAD')).toBe('main');
    expect(await wt.baseName(repo, 'main')).toBe('main');
    expect(await codeOf(wt.baseName(repo, 'no-such-ref'))).toBe('validation');
  });

  it('creates a worktree on a new branch, a checkout of its own that knows its main repository', async () => {
    const w = spec(fresh());
    await wt.create(w);
    expect(existsSync(w.path)).toBe(true);
    expect(await wt.branchExists(repo, w.branch)).toBe(true);
    expect(await wt.status(w)).toEqual({ dirtyFiles: 0, ahead: 0, behind: 0 });
    expect(await wt.locate(w.path)).toEqual({ toplevel: w.path, mainRoot: repo });
    expect(await wt.baseName(w.path, 'HEAD')).toBe(w.branch);
  });

  it('refuses an existing branch without making the path, and a used path without making the branch', async () => {
    const taken = spec(fresh(), { branch: 'main' });
    expect(await codeOf(wt.create(taken))).toBe('conflict');
    expect(existsSync(taken.path)).toBe(false);
    const used = spec(fresh());
    mkdirSync(used.path, { recursive: true });
    expect(await codeOf(wt.create(used))).toBe('conflict');
    expect(await wt.branchExists(repo, used.branch)).toBe(false);
  });

  it('counts dirty files, and commits ahead of the base', async () => {
    const w = spec(fresh());
    await wt.create(w);
    await subject.touch(w.path, 'notes.txt');
    expect((await wt.status(w))?.dirtyFiles).toBe(1);
    await subject.commitAll(w.path);
    expect(await wt.status(w)).toEqual({ dirtyFiles: 0, ahead: 1, behind: 0 });
    await subject.commitAll(repo);
    expect(await wt.status(w)).toEqual({ dirtyFiles: 0, ahead: 1, behind: 1 });
  });

  it('removes a dirty worktree only with force, keeps its branch, and reattaches it from the branch', async () => {
    const w = spec(fresh());
    await wt.create(w);
    await subject.touch(w.path, 'draft.txt');
    expect(await codeOf(wt.remove(w, { force: false }))).toBe('conflict');
    expect(existsSync(w.path)).toBe(true);
    await wt.remove(w, { force: true });
    expect(existsSync(w.path)).toBe(false);
    expect(await wt.status(w)).toBeNull();
    expect(await wt.branchExists(repo, w.branch)).toBe(true);
    await wt.remove(w, { force: false });
    await wt.reattach(w);
    expect(await wt.status(w)).toEqual({ dirtyFiles: 0, ahead: 0, behind: 0 });
  });

  it('deletes a branch once its worktree is gone; reattaching it then is not_found', async () => {
    const w = spec(fresh());
    await wt.create(w);
    await wt.remove(w, { force: false });
    await wt.deleteBranch(repo, w.branch);
    expect(await wt.branchExists(repo, w.branch)).toBe(false);
    expect(await codeOf(wt.reattach(w))).toBe('not_found');
    expect(existsSync(w.path)).toBe(false);
  });
}
