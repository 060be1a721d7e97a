/**
 * The Worktrees port over the git command line: the only code that runs git. Each call is a few
 * short git processes; nothing is cached, so what it reports is what git says now.
 */
import { execFile } from 'node:child_process';
import { rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { LaneWorktree } from '../core/model.js';
import type { RepoLocation, Worktrees, WorktreeStatus } from '../core/ports.js';
import { DispatchError } from '../shared/errors.js';

/** Variables that would point git at another repository than the one a call names. */
const REPOSITORY_VARIABLES = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_COMMON_DIR', 'GIT_OBJECT_DIRECTORY', 'GIT_NAMESPACE', 'GIT_PREFIX'];

interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface GitWorktreesOptions {
  /** The git binary; `git` from PATH when absent. */
  git?: string;
  /** The environment git runs with; the daemon's own when absent. */
  env?: NodeJS.ProcessEnv;
}

async function pathExists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

/** git's own words, first line only (never the environment: git does not echo it). */
function reason(result: GitResult): string {
  return result.stderr.trim().split('\n')[0] ?? `git exited ${result.code}`;
}

export class GitWorktrees implements Worktrees {
  private readonly git: string;
  private readonly env: NodeJS.ProcessEnv;

  constructor(options: GitWorktreesOptions = {}) {
    this.git = options.git ?? 'git';
    const env: NodeJS.ProcessEnv = { ...(options.env ?? process.env), LC_ALL: 'C' };
    for (const name of REPOSITORY_VARIABLES) delete env[name];
    this.env = env;
  }

  private run(cwd: string, args: string[]): Promise<GitResult> {
    return new Promise((resolve, reject) => {
      execFile(this.git, ['-C', cwd, ...args], { env: this.env, timeout: 30_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(new DispatchError('internal', `cannot run git: ${error.message}`, { cause: error }));
          return;
        }
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      });
    });
  }

  private async ok(cwd: string, args: string[], what: string): Promise<string> {
    const result = await this.run(cwd, args);
    if (result.code !== 0) throw new DispatchError('internal', `${what} failed: ${reason(result)}`);
    return result.stdout;
  }

  async locate(dir: string): Promise<RepoLocation | null> {
    const result = await this.run(dir, ['rev-parse', '--path-format=absolute', '--show-toplevel', '--git-common-dir']);
    if (result.code !== 0) return null;
    const [toplevel, commonDir] = result.stdout.trim().split('\n');
    if (!toplevel || !commonDir) return null;
    return { toplevel, mainRoot: path.basename(commonDir) === '.git' ? path.dirname(commonDir) : toplevel };
  }

  async baseName(repo: string, ref: string): Promise<string> {
    if (ref === 'HEAD') {
      const branch = await this.run(repo, ['symbolic-ref', '--quiet', '--short', 'HEAD']);
      const name = branch.stdout.trim();
      if (branch.code === 0 && name && (await this.resolves(repo, name))) return name;
    }
    const commit = await this.run(repo, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
    if (commit.code !== 0) {
      const why = ref === 'HEAD' ? `repository ${repo} has no commit to branch from` : `'${ref}' is not a commit in ${repo}`;
      throw new DispatchError('validation', `${why}; pass --base with a branch, tag or commit`, { data: { base: ref } });
    }
    // A detached HEAD moves with every checkout: count against the commit it is now.
    return ref === 'HEAD' ? commit.stdout.trim() : ref;
  }

  private async resolves(repo: string, ref: string): Promise<boolean> {
    return (await this.run(repo, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])).code === 0;
  }

  async branchExists(repo: string, branch: string): Promise<boolean> {
    return (await this.run(repo, ['show-ref', '--verify', '--quiet', `refs/heads/${branch}`])).code === 0;
  }

  async create(worktree: LaneWorktree): Promise<void> {
    const { repo, branch, base } = worktree;
    if ((await this.run(repo, ['check-ref-format', '--branch', branch])).code !== 0) {
      throw new DispatchError('validation', `'${branch}' is not a valid branch name`, { data: { branch } });
    }
    if (await this.branchExists(repo, branch)) {
      throw new DispatchError('conflict', `branch '${branch}' already exists in ${repo}; pass another --branch (dispatch never reuses a branch for a new worktree)`, { data: { branch, repo } });
    }
    await this.requireFreePath(worktree.path);
    const result = await this.run(repo, ['worktree', 'add', '--quiet', '-b', branch, worktree.path, base]);
    if (result.code === 0) return;
    // git may have made the branch before failing to check it out: leave nothing behind.
    if (await this.branchExists(repo, branch)) await this.run(repo, ['branch', '-D', branch]);
    await this.removeEmptyParent(worktree.path);
    throw new DispatchError('validation', `cannot create worktree ${worktree.path}: ${reason(result)}`, { data: { path: worktree.path } });
  }

  async reattach(worktree: LaneWorktree): Promise<void> {
    const { repo, branch } = worktree;
    if (!(await this.branchExists(repo, branch))) throw new DispatchError('not_found', `branch '${branch}' no longer exists in ${repo}`, { data: { branch, repo } });
    await this.requireFreePath(worktree.path);
    // A worktree deleted by hand is still registered: prune forgets it so its branch can be checked out again.
    await this.run(repo, ['worktree', 'prune']);
    const result = await this.run(repo, ['worktree', 'add', '--quiet', worktree.path, branch]);
    if (result.code !== 0) throw new DispatchError('conflict', `cannot recreate worktree ${worktree.path}: ${reason(result)}`, { data: { path: worktree.path, branch } });
  }

  async remove(worktree: LaneWorktree, options: { force: boolean }): Promise<void> {
    if (!(await pathExists(worktree.path))) {
      await this.run(worktree.repo, ['worktree', 'prune']);
      return;
    }
    const result = await this.run(worktree.repo, ['worktree', 'remove', ...(options.force ? ['--force'] : []), worktree.path]);
    if (result.code !== 0) throw new DispatchError('conflict', `cannot remove worktree ${worktree.path}: ${reason(result)}`, { data: { path: worktree.path } });
    await this.removeEmptyParent(worktree.path);
  }

  async deleteBranch(repo: string, branch: string): Promise<void> {
    if (await this.branchExists(repo, branch)) await this.ok(repo, ['branch', '-D', branch], `deleting branch ${branch}`);
  }

  async status(worktree: LaneWorktree): Promise<WorktreeStatus | null> {
    if (!(await pathExists(worktree.path))) return null;
    const porcelain = await this.run(worktree.path, ['status', '--porcelain']);
    if (porcelain.code !== 0) return null;
    const dirtyFiles = porcelain.stdout.split('\n').filter((line) => line !== '').length;
    const counts = await this.run(worktree.path, ['rev-list', '--left-right', '--count', `${worktree.base}...${worktree.branch}`]);
    const [behind, ahead] = counts.code === 0 ? counts.stdout.trim().split(/\s+/).map(Number) : [];
    return { dirtyFiles, ahead: ahead ?? null, behind: behind ?? null };
  }

  private async requireFreePath(p: string): Promise<void> {
    if (await pathExists(p)) throw new DispatchError('conflict', `worktree path ${p} is already in use; remove it or pick another lane name`, { data: { path: p } });
  }

  /** `<repo>.worktrees/` goes with its last worktree. */
  private async removeEmptyParent(p: string): Promise<void> {
    await rmdir(path.dirname(p)).catch(() => undefined);
  }
}
