import { mkdirSync, realpathSync, symlinkSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planWorktree, worktreePathFor, worktreeSlug } from '../../src/core/laneWorktrees.js';
import { DispatchError } from '../../src/shared/errors.js';
import { FakeWorktrees } from '../helpers/fakeWorktrees.js';

describe('lane worktrees: names and places', () => {
  it('makes a directory and branch name of a lane name, without its repo prefix', () => {
    expect(worktreeSlug('fix-tests')).toBe('fix-tests');
    expect(worktreeSlug('@[proj] fix the tests')).toBe('fix-the-tests');
    expect(worktreeSlug('../up')).toBe('up');
    expect(() => worktreeSlug('///')).toThrow(DispatchError);
  });

  it('puts a worktree beside the main checkout, never inside it', () => {
    const p = worktreePathFor('/src/proj', 'alpha');
    expect(p).toBe('/src/proj.worktrees/alpha');
    expect(path.relative('/src/proj', p).startsWith('..')).toBe(true);
  });
});

describe('planWorktree', () => {
  let tmp: string;
  let repo: string;
  const fake = new FakeWorktrees();

  beforeAll(async () => {
    tmp = realpathSync(await mkdtemp(path.join(os.tmpdir(), 'dispatch-plan-')));
    repo = path.join(tmp, 'proj');
    mkdirSync(path.join(repo, 'pkg', 'sub'), { recursive: true });
    fake.addRepo(repo);
  });
  afterAll(async () => rm(tmp, { recursive: true, force: true }));

  it("keeps the cwd's place in the checkout, branches from HEAD's branch with the default prefix", async () => {
    const plan = await planWorktree(fake, { dir: path.join(repo, 'pkg', 'sub'), name: 'alpha' });
    expect(plan).toEqual({ worktree: { repo, path: path.join(tmp, 'proj.worktrees', 'alpha'), branch: 'dispatch/alpha', base: 'main' }, cwd: path.join(tmp, 'proj.worktrees', 'alpha', 'pkg', 'sub') });
  });

  it('finds the place in the checkout of a cwd reached through a symlink', async () => {
    const link = path.join(tmp, 'link-to-sub');
    symlinkSync(path.join(repo, 'pkg', 'sub'), link);
    const fakeOfRealPaths: typeof fake = Object.create(fake) as typeof fake;
    // git answers with real paths; the fake is asked for the symlink's target, as git resolves it.
    fakeOfRealPaths.locate = async () => fake.locate(path.join(repo, 'pkg', 'sub'));
    expect((await planWorktree(fakeOfRealPaths, { dir: link, name: 'linked' })).cwd).toBe(path.join(tmp, 'proj.worktrees', 'linked', 'pkg', 'sub'));
  });

  it('takes the branch, prefix and base it is given', async () => {
    expect((await planWorktree(fake, { dir: repo, name: 'b', branchPrefix: 'agents/' })).worktree.branch).toBe('agents/b');
    expect((await planWorktree(fake, { dir: repo, name: 'b', branch: 'topic' })).worktree.branch).toBe('topic');
    await expect(planWorktree(fake, { dir: repo, name: 'b', base: 'nope' })).rejects.toMatchObject({ code: 'validation' });
  });

  it('refuses a directory outside any repository', async () => {
    const refused = await planWorktree(fake, { dir: tmp, name: 'c' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DispatchError);
    expect(refused).toMatchObject({ code: 'validation' });
    expect((refused as DispatchError).message).toContain('not inside a git repository');
  });
});
