import { describe, expect, it } from 'vitest';
import { factSummary } from '../../../src/surfaces/cli/eventsView.js';

describe('factSummary', () => {
  it('says what a fact is in a few words, per type', () => {
    expect(factSummary({ type: 'turnRecovered', turnId: 't1', laneId: 'l1' })).toBe("turn t1 completed (found in the thread's history after a restart)");
    expect(factSummary({ type: 'turnCompleted', turnId: 't2', outcome: 'failed', error: { message: 'boom' } })).toBe('turn t2 failed: boom');
    expect(factSummary({ type: 'laneRenamed', from: 'a', handle: 'b' })).toBe('a → b');
    expect(factSummary({ type: 'laneWorktreeChanged', worktree: { path: '/r.worktrees/w', branch: 'dispatch/w' } })).toBe('worktree /r.worktrees/w (dispatch/w)');
    expect(factSummary({ type: 'laneWorktreeChanged', worktree: null })).toBe('worktree removed');
  });

  it('falls back to the turn for a type it has no words for', () => {
    expect(factSummary({ type: 'somethingNew', turnId: 't3' })).toBe('turn t3');
    expect(factSummary({ type: 'somethingNew' })).toBe('');
  });
});
