import { describe, expect, it } from 'vitest';
import { age, renderAttention } from '../../../src/surfaces/cli/attentionView.js';

describe('the attention view', () => {
  it('says so in one line when nothing needs you', () => {
    expect(renderAttention({ items: [] })).toBe('nothing needs you');
  });

  it('heads each class once, one line per item with its commands under it', () => {
    const since = new Date(Date.now() - 125_000).toISOString();
    const text = renderAttention({
      items: [
        { attention: 'needs-you', reason: 'approval', lane: 'l1', handle: '@careful', request: 3, summary: 'npm   test', since, commands: ['dispatch request respond 3 accept', 'dispatch request respond 3 decline'] },
        { attention: 'needs-you', reason: 'login', lane: null, handle: null, request: null, summary: 'codex is not logged in', since, commands: ['codex login'] },
        { attention: 'failed', reason: 'error', lane: 'l2', handle: '@broken', request: null, summary: 'boom', since, commands: ['dispatch lane tail @broken'] },
      ],
    });
    expect(text.split('\n')).toEqual([
      'NEEDS YOU',
      '  @careful  approval: npm test  (request 3, 2m ago)',
      '      dispatch request respond 3 accept',
      '      dispatch request respond 3 decline',
      '  codex  login: codex is not logged in  (2m ago)',
      '      codex login',
      'FAILED',
      '  @broken  error: boom  (2m ago)',
      '      dispatch lane tail @broken',
    ]);
  });

  it('tells ages in the largest whole unit', () => {
    const now = Date.parse('2026-11-01T12:00:00Z');
    expect(['2026-11-01T11:59:18Z', '2026-11-01T11:55:00Z', '2026-11-01T09:00:00Z', '2026-10-29T12:00:00Z', 'garbage'].map((t) => age(t, now))).toEqual(['42s', '5m', '3h', '3d', '']);
  });
});
