import { describe } from 'vitest';
import { FakeWorktrees } from '../helpers/fakeWorktrees.js';
import { runWorktreesSuite } from './worktreesSuite.js';

describe('Worktrees port: the fake core tests use', () => {
  runWorktreesSuite(async () => {
    const fake = new FakeWorktrees();
    return {
      worktrees: fake,
      makeRepo: async (root) => fake.addRepo(root),
      touch: async (dir, file) => fake.touch(dir, file),
      commitAll: async (dir) => fake.commitAll(dir),
    };
  });
});
