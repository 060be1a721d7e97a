import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe } from 'vitest';
import { GitWorktrees } from '../../src/git/worktrees.js';
import { GIT_TEST_ENV } from '../helpers/gitRepo.js';
import { runWorktreesSuite } from './worktreesSuite.js';

const git = (dir: string, ...args: string[]): void => {
  execFileSync('git', ['-C', dir, ...args], { env: { PATH: process.env['PATH'], ...GIT_TEST_ENV }, stdio: 'ignore' });
};

describe('Worktrees port: the git adapter on a real repository', () => {
  runWorktreesSuite(async () => ({
    worktrees: new GitWorktrees({ env: { PATH: process.env['PATH'], ...GIT_TEST_ENV } }),
    async makeRepo(root) {
      git(root, 'init', '--quiet', '-b', 'main');
      await writeFile(path.join(root, 'README'), 'hello\n');
      git(root, 'add', '-A');
      git(root, 'commit', '--quiet', '-m', 'first');
    },
    async touch(dir, file) {
      await writeFile(path.join(dir, file), `${file}\n`);
    },
    async commitAll(dir) {
      await writeFile(path.join(dir, `commit-${Date.now()}-${Math.random()}`), 'x\n');
      git(dir, 'add', '-A');
      git(dir, 'commit', '--quiet', '-m', 'work');
    },
  }));
});
