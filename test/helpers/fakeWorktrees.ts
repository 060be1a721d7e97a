import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, existsSync, rmdirSync } from 'node:fs';
import path from 'node:path';
import type { LaneWorktree } from '../../src/core/model.js';
import type { RepoLocation, Worktrees, WorktreeStatus } from '../../src/core/ports.js';
import { DispatchError } from '../../src/shared/errors.js';

interface FakeRepo {
  root: string;
  head: string;
  /** Each branch as the list of its commits, oldest first. */
  branches: Map<string, string[]>;
  /** Linked worktrees by path: their branch and uncommitted files. */
  worktrees: Map<string, { branch: string; dirty: Set<string> }>;
}

const inside = (dir: string, root: string): boolean => dir === root || dir.startsWith(`${root}${path.sep}`);

/**
 * An in-memory Worktrees for core's unit tests: branches are commit lists, a worktree a branch and
 * a set of dirty files. Worktree directories are real (made and removed), so "path in use" is the
 * filesystem's answer as with git. test/ports/worktreesSuite.ts holds it to the git adapter's behaviour.
 */
export class FakeWorktrees implements Worktrees {
  private readonly repos: FakeRepo[] = [];

  /** Registers a repository at an existing directory, with one commit on `head`. */
  addRepo(root: string, head = 'main'): void {
    this.repos.push({ root, head, branches: new Map([[head, [randomUUID()]]]), worktrees: new Map() });
  }

  /** A file changed in a worktree (or the main checkout). */
  touch(dir: string, file: string): void {
    this.checkoutAt(dir).dirty.add(file);
  }

  /** Commits what is dirty in the worktree at `dir`. */
  commitAll(dir: string): void {
    const checkout = this.checkoutAt(dir);
    this.commits(this.repoOf(dir), checkout.branch).push(randomUUID());
    checkout.dirty.clear();
  }

  private mainCheckouts = new Map<string, { branch: string; dirty: Set<string> }>();

  private checkoutAt(dir: string): { branch: string; dirty: Set<string> } {
    const repo = this.repoOf(dir);
    for (const [p, worktree] of repo.worktrees) if (inside(dir, p)) return worktree;
    let main = this.mainCheckouts.get(repo.root);
    if (!main) this.mainCheckouts.set(repo.root, (main = { branch: repo.head, dirty: new Set() }));
    return main;
  }

  private repoOf(dir: string): FakeRepo {
    const repo = this.repos.find((r) => inside(dir, r.root) || [...r.worktrees.keys()].some((p) => inside(dir, p)));
    if (!repo) throw new Error(`no fake repository at ${dir}`);
    return repo;
  }

  private commits(repo: FakeRepo, ref: string): string[] {
    const commits = repo.branches.get(ref);
    if (!commits) throw new Error(`no branch ${ref}`);
    return commits;
  }

  async locate(dir: string): Promise<RepoLocation | null> {
    for (const repo of this.repos) {
      for (const p of repo.worktrees.keys()) if (inside(dir, p)) return { toplevel: p, mainRoot: repo.root };
      if (inside(dir, repo.root)) return { toplevel: repo.root, mainRoot: repo.root };
    }
    return null;
  }

  async baseName(dir: string, ref: string): Promise<string> {
    const repo = this.repoOf(dir);
    const name = ref === 'HEAD' ? this.checkoutAt(dir).branch : ref;
    if (!repo.branches.has(name)) throw new DispatchError('validation', `'${ref}' is not a commit in ${repo.root}`, { data: { base: ref } });
    return name;
  }

  async branchExists(dir: string, branch: string): Promise<boolean> {
    return this.repoOf(dir).branches.has(branch);
  }

  async create(worktree: LaneWorktree): Promise<void> {
    const repo = this.repoOf(worktree.repo);
    if (!/^[A-Za-z0-9._/-]+$/.test(worktree.branch) || worktree.branch.endsWith('/')) throw new DispatchError('validation', `'${worktree.branch}' is not a valid branch name`);
    if (repo.branches.has(worktree.branch)) throw new DispatchError('conflict', `branch '${worktree.branch}' already exists`, { data: { branch: worktree.branch } });
    if (existsSync(worktree.path)) throw new DispatchError('conflict', `worktree path ${worktree.path} is already in use`, { data: { path: worktree.path } });
    const base = repo.branches.get(worktree.base);
    if (!base) throw new DispatchError('validation', `cannot create worktree ${worktree.path}: no base ${worktree.base}`);
    repo.branches.set(worktree.branch, [...base]);
    mkdirSync(worktree.path, { recursive: true });
    repo.worktrees.set(worktree.path, { branch: worktree.branch, dirty: new Set() });
  }

  async reattach(worktree: LaneWorktree): Promise<void> {
    const repo = this.repoOf(worktree.repo);
    if (!repo.branches.has(worktree.branch)) throw new DispatchError('not_found', `branch '${worktree.branch}' no longer exists`);
    if (existsSync(worktree.path)) throw new DispatchError('conflict', `worktree path ${worktree.path} is already in use`);
    mkdirSync(worktree.path, { recursive: true });
    repo.worktrees.set(worktree.path, { branch: worktree.branch, dirty: new Set() });
  }

  async remove(worktree: LaneWorktree, options: { force: boolean }): Promise<void> {
    const repo = this.repoOf(worktree.repo);
    const checkout = repo.worktrees.get(worktree.path);
    if (!checkout || !existsSync(worktree.path)) {
      repo.worktrees.delete(worktree.path);
      return;
    }
    if (checkout.dirty.size > 0 && !options.force) throw new DispatchError('conflict', `cannot remove worktree ${worktree.path}: it contains modified or untracked files`);
    repo.worktrees.delete(worktree.path);
    rmSync(worktree.path, { recursive: true, force: true });
    try {
      rmdirSync(path.dirname(worktree.path));
    } catch {
      // Not empty: other worktrees live there.
    }
  }

  async deleteBranch(dir: string, branch: string): Promise<void> {
    this.repoOf(dir).branches.delete(branch);
  }

  async status(worktree: LaneWorktree): Promise<WorktreeStatus | null> {
    const repo = this.repos.find((r) => r.root === worktree.repo);
    const checkout = repo?.worktrees.get(worktree.path);
    if (!repo || !checkout || !existsSync(worktree.path)) return null;
    const branch = repo.branches.get(worktree.branch) ?? [];
    const base = repo.branches.get(worktree.base);
    if (!base) return { dirtyFiles: checkout.dirty.size, ahead: null, behind: null };
    return { dirtyFiles: checkout.dirty.size, ahead: branch.filter((c) => !base.includes(c)).length, behind: base.filter((c) => !branch.includes(c)).length };
  }
}
