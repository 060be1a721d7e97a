import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDispatchHarness, waitForLane, type DispatchHarness } from '../helpers/dispatchHarness.js';
import { GIT_TEST_ENV } from '../helpers/gitRepo.js';

// Lanes that may run git and write files with no approval: the sandbox is not what is tested here.
const FREE = ['--sandbox', 'danger-full-access', '--approval-policy', 'never', '--prefix', ''];

interface WorktreeView {
  path: string;
  branch: string;
  base: string;
  repo: string;
  present: boolean;
  dirty_files: number | null;
  ahead: number | null;
  behind: number | null;
}

describe('lanes in their own git worktrees', () => {
  let h: DispatchHarness;
  let repo: string;
  let worktreesDir: string;
  const git = (...args: string[]): string => execFileSync('git', ['-C', repo, ...args], { env: { PATH: process.env['PATH'], HOME: h.home, ...GIT_TEST_ENV }, encoding: 'utf8' }).trim();
  const branchExists = (branch: string): boolean => git('branch', '--list', branch) !== '';
  const laneIds = async (): Promise<string[]> => (await h.ok<{ lanes: { handle: string }[] }>(['lane', 'list', '--include-archived'])).lanes.map((l) => l.handle);
  const worktreeOf = async (lane: string): Promise<WorktreeView | null> => (await h.ok<{ worktree: WorktreeView | null }>(['lane', 'get', lane])).worktree;

  beforeAll(async () => {
    h = await startDispatchHarness({ daemonEnv: GIT_TEST_ENV });
    repo = path.join(h.home, 'proj');
    worktreesDir = path.join(h.home, 'proj.worktrees');
    mkdirSync(path.join(repo, 'sub'), { recursive: true });
    writeFileSync(path.join(repo, 'sub', 'README'), 'the project\n');
    git('init', '--quiet', '-b', 'main');
    git('add', '-A');
    git('commit', '--quiet', '-m', 'first');
  }, 120_000);
  afterAll(async () => h?.close());

  it('gives two lanes writing the same file each its own worktree and branch', async () => {
    const write = (who: string) => `@sim write notes.txt from ${who}\n@sim shell git add -A && git commit -qm ${who}\n@sim reply committed`;
    const [alpha, beta] = await Promise.all(
      ['alpha', 'beta'].map((name) => h.ok<{ cwd: string; worktree: WorktreeView }>(['new', '--name', name, '--worktree', '--cwd', path.join(repo, 'sub'), ...FREE, '--text', write(name)])),
    );
    expect(alpha?.worktree).toEqual({ repo, path: path.join(worktreesDir, 'alpha'), branch: 'dispatch/alpha', base: 'main' });
    // The lane works in the same subdirectory of its worktree as it was asked to of the checkout.
    expect(alpha?.cwd).toBe(path.join(worktreesDir, 'alpha', 'sub'));
    expect(beta?.cwd).toBe(path.join(worktreesDir, 'beta', 'sub'));
    for (const name of ['alpha', 'beta']) expect((await waitForLane(h, name))['last_agent_message']).toBe('committed');

    expect(readFileSync(path.join(worktreesDir, 'alpha', 'sub', 'notes.txt'), 'utf8')).toBe('from alpha\n');
    expect(readFileSync(path.join(worktreesDir, 'beta', 'sub', 'notes.txt'), 'utf8')).toBe('from beta\n');
    expect(existsSync(path.join(repo, 'sub', 'notes.txt'))).toBe(false);
    expect(git('show', 'dispatch/alpha:sub/notes.txt')).toBe('from alpha');
    expect(git('show', 'dispatch/beta:sub/notes.txt')).toBe('from beta');
    expect(git('log', '-1', '--format=%s', 'main')).toBe('first');

    expect(await worktreeOf('alpha')).toEqual({ repo, path: path.join(worktreesDir, 'alpha'), branch: 'dispatch/alpha', base: 'main', present: true, dirty_files: 0, ahead: 1, behind: 0 });
    const listed = await h.ok<{ lanes: { handle: string; worktree_branch: string | null }[] }>(['lane', 'list']);
    expect(listed.lanes.find((l) => l.handle === '@beta')?.worktree_branch).toBe('dispatch/beta');
  });

  it("forks a lane into a worktree branched from the source lane's branch", async () => {
    const fork = await h.ok<{ cwd: string; worktree: WorktreeView }>(['lane', 'fork', 'alpha', '--name', 'alpha-2', '--worktree']);
    expect(fork.worktree).toEqual({ repo, path: path.join(worktreesDir, 'alpha-2'), branch: 'dispatch/alpha-2', base: 'dispatch/alpha' });
    expect(fork.cwd).toBe(path.join(worktreesDir, 'alpha-2', 'sub'));
    expect(readFileSync(path.join(fork.cwd, 'notes.txt'), 'utf8')).toBe('from alpha\n');
    expect(await worktreeOf('alpha-2')).toMatchObject({ present: true, ahead: 0, behind: 0, dirty_files: 0 });
  });

  it('removes the worktree and branch of a fork codex refuses', async () => {
    await h.ok(['new', '--name', 'source', '--worktree', '--cwd', repo, ...FREE, '--no-send']);
    const before = await laneIds();
    const refused = await h.run(['lane', 'fork', 'source', '--name', 'bad-fork', '--worktree', '--model-provider', 'no-such-provider']);
    expect(refused.code, refused.stderr).toBe(8);
    expect(existsSync(path.join(worktreesDir, 'bad-fork'))).toBe(false);
    expect(branchExists('dispatch/bad-fork')).toBe(false);
    expect(await laneIds()).toEqual(before);
  });

  it('branches from the --base it is given, and refuses one that is no commit', async () => {
    git('branch', 'release');
    const epsilon = await h.ok<{ worktree: WorktreeView }>(['new', '--name', 'epsilon', '--worktree', '--base', 'release', '--cwd', repo, ...FREE, '--no-send']);
    expect(epsilon.worktree).toMatchObject({ branch: 'dispatch/epsilon', base: 'release' });
    expect(git('rev-parse', 'dispatch/epsilon')).toBe(git('rev-parse', 'release'));
    const bad = await h.run(['new', '--name', 'zeta', '--worktree', '--base', 'no-such-ref', '--cwd', repo, ...FREE, '--no-send']);
    expect(bad.code, bad.stderr).toBe(2);
    expect(bad.stderr).toContain("'no-such-ref' is not a commit");
    expect(branchExists('dispatch/zeta')).toBe(false);
    expect(existsSync(path.join(worktreesDir, 'zeta'))).toBe(false);
  });

  it('refuses outside a repository, an existing branch, a used path or a thread codex refuses, leaving nothing behind', async () => {
    const before = await laneIds();
    const outside = await h.run(['new', '--name', 'nowhere', '--worktree', '--cwd', h.workspace, ...FREE, '--no-send']);
    expect(outside.code, outside.stderr).toBe(2);
    expect(outside.stderr).toContain('not inside a git repository');

    git('branch', 'taken');
    const taken = await h.run(['new', '--name', 'dup', '--worktree', '--branch', 'taken', '--cwd', repo, ...FREE, '--no-send']);
    expect(taken.code, taken.stderr).toBe(10);
    expect(taken.stderr).toContain("branch 'taken' already exists");
    expect(existsSync(path.join(worktreesDir, 'dup'))).toBe(false);

    mkdirSync(path.join(worktreesDir, 'squatted'), { recursive: true });
    const used = await h.run(['new', '--name', 'squatted', '--worktree', '--cwd', repo, ...FREE, '--no-send']);
    expect(used.code, used.stderr).toBe(10);
    expect(used.stderr).toContain('already in use');
    expect(branchExists('dispatch/squatted')).toBe(false);

    // codex refuses the thread after the worktree was made: the worktree and its branch go again.
    const refused = await h.run(['new', '--name', 'refused', '--worktree', '--cwd', repo, ...FREE, '--model-provider', 'no-such-provider', '--no-send']);
    expect(refused.code, refused.stderr).toBe(8);
    expect(refused.stderr).toContain('no-such-provider');
    expect(existsSync(path.join(worktreesDir, 'refused'))).toBe(false);
    expect(branchExists('dispatch/refused')).toBe(false);

    expect(await laneIds()).toEqual(before);
    expect(git('worktree', 'list', '--porcelain')).not.toMatch(/dup|squatted|refused|nowhere/);
  });

  it('removes a worktree on archive only when clean or forced, keeps the branch, and restore recreates it', async () => {
    await h.ok(['new', '--name', 'gamma', '--worktree', '--cwd', repo, ...FREE, '--no-send']);
    const gamma = path.join(worktreesDir, 'gamma');
    writeFileSync(path.join(gamma, 'scratch.txt'), 'unsaved work\n');
    expect(await worktreeOf('gamma')).toMatchObject({ present: true, dirty_files: 1 });

    const refused = await h.run(['lane', 'archive', 'gamma', '--remove-worktree']);
    expect(refused.code, refused.stderr).toBe(10);
    expect(refused.stderr).toContain('1 changed or untracked file');
    expect(refused.stderr).toContain('--force');
    expect(existsSync(path.join(gamma, 'scratch.txt'))).toBe(true);
    expect((await h.ok(['lane', 'get', 'gamma']))['status']).toBe('idle');

    const archived = await h.ok<{ status: string; worktree_removed: boolean }>(['lane', 'archive', 'gamma', '--remove-worktree', '--force']);
    expect(archived).toMatchObject({ status: 'archived', worktree_removed: true });
    expect(existsSync(gamma)).toBe(false);
    expect(branchExists('dispatch/gamma')).toBe(true);
    expect(await worktreeOf('gamma')).toMatchObject({ branch: 'dispatch/gamma', present: false, dirty_files: null });

    const restored = await h.ok<{ status: string; worktree_recreated: boolean; warnings: string[] }>(['lane', 'restore', 'gamma']);
    expect(restored).toMatchObject({ status: 'idle', worktree_recreated: true, warnings: [] });
    expect(existsSync(path.join(gamma, 'README'))).toBe(false);
    expect(await worktreeOf('gamma')).toMatchObject({ present: true, dirty_files: 0 });
    await h.ok(['send', 'gamma', '@sim shell pwd\n@sim reply here']);
    expect((await waitForLane(h, 'gamma'))['last_agent_message']).toBe('here');

    // A branch deleted while the lane was archived: the lane comes back without a worktree, saying so.
    await h.ok(['lane', 'archive', 'gamma', '--remove-worktree']);
    git('branch', '-D', 'dispatch/gamma');
    const bare = await h.ok<{ status: string; worktree: unknown; worktree_recreated: boolean; warnings: string[] }>(['lane', 'restore', 'gamma']);
    expect(bare).toMatchObject({ status: 'idle', worktree: null, worktree_recreated: false });
    expect(bare.warnings.join(' ')).toContain("branch 'dispatch/gamma' no longer exists");
    expect(await worktreeOf('gamma')).toBeNull();
  });

  it('makes worktrees the default through a preset, with its branch prefix', async () => {
    mkdirSync(path.join(repo, '.dispatch'));
    writeFileSync(path.join(repo, '.dispatch', 'config.toml'), '[presets.isolated]\nworktree = true\nbranch_prefix = "agents/"\n');
    const delta = await h.ok<{ worktree: WorktreeView }>(['new', '--name', 'delta', '--preset', 'isolated', '--cwd', repo, ...FREE, '--no-send']);
    expect(delta.worktree).toMatchObject({ path: path.join(worktreesDir, 'delta'), branch: 'agents/delta', base: 'main' });
    expect(branchExists('agents/delta')).toBe(true);
  });
});
