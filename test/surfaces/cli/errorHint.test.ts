import { describe, expect, it } from 'vitest';
import { errorHint } from '../../../src/surfaces/cli/errorHint.js';
import { DispatchError } from '../../../src/shared/errors.js';

describe('CLI error hints', () => {
  it('phrases the send modes core names for a busy lane as CLI flags', () => {
    const busy = new DispatchError('lane_busy', 'lane @a is running turn t1; cannot send until it ends or is stopped', { data: { modes: ['steer', 'queue', 'interject'] } });
    expect(errorHint(busy)).toBe('; use --steer, --queue or --interject, or stop it');
  });

  it('phrases the input fields core names as flags', () => {
    expect(errorHint(new DispatchError('validation', 'interval trigger requires seconds', { data: { fields: ['seconds'] } }))).toBe(' (--seconds)');
    expect(errorHint(new DispatchError('validation', 'x', { data: { fields: ['token_budget', 'cron'] } }))).toBe(' (--token-budget, --cron)');
  });

  it('adds nothing when core names no alternative', () => {
    expect(errorHint(new DispatchError('lane_busy', 'busy', { data: { lane: 'l1' } }))).toBe('');
    expect(errorHint(new DispatchError('not_found', 'gone', { data: { modes: ['steer'] } }))).toBe('');
  });
});
