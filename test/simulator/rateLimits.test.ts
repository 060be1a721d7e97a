import { describe, expect, it } from 'vitest';
import { parseRateLimitDirective, rateLimitHeaders, scriptForText } from '../../src/simulator/index.js';
import { startSimAppServer } from '../helpers/simAppServer.js';

describe('simulated rate-limit windows', () => {
  it('parses the directive with reset times relative to now, and a passed reset starts the window over', () => {
    const now = new Date('2026-01-01T12:00:00Z');
    const limits = parseRateLimitDirective('primary=95 resets=60s secondary=40 secondary-resets=2h secondary-window=10080', now);
    const at = now.getTime() / 1000;
    expect(limits).toEqual({ primary: { usedPercent: 95, windowMinutes: 300, resetsAt: at + 60 }, secondary: { usedPercent: 40, windowMinutes: 10_080, resetsAt: at + 7200 } });
    expect(rateLimitHeaders(limits, now)).toEqual({
      'x-codex-primary-used-percent': '95',
      'x-codex-primary-window-minutes': '300',
      'x-codex-primary-reset-at': String(at + 60),
      'x-codex-secondary-used-percent': '40',
      'x-codex-secondary-window-minutes': '10080',
      'x-codex-secondary-reset-at': String(at + 7200),
    });
    expect(rateLimitHeaders(limits, new Date(now.getTime() + 61_000))['x-codex-primary-used-percent']).toBe('0');
    expect(parseRateLimitDirective('off', now)).toBeNull();
    expect(() => parseRateLimitDirective('primary=120', now)).toThrow(/percentage/);
    expect(() => parseRateLimitDirective('primary=90 resets=soon', now)).toThrow(/duration/);
    expect(() => parseRateLimitDirective('bogus=1', now)).toThrow(/does not know/);
  });

  it('is no step of the turn; a malformed one is answered with why, like any bad directive', () => {
    expect(scriptForText('@sim ratelimit primary=95 resets=60s\n@sim reply ok').steps).toEqual([{ kind: 'message', text: 'ok' }]);
    const bad = scriptForText('@sim ratelimit primary=lots').steps[0];
    expect(bad).toMatchObject({ kind: 'message' });
    expect((bad as { text: string }).text).toContain('primary must be a percentage 0-100');
  });

  // The proof that the header names are the real provider's: the pinned app-server turns them into account/rateLimits/updated.
  it('the pinned codex app-server reports the windows a @sim ratelimit answer carries', async () => {
    const codex = await startSimAppServer();
    const threadId = await codex.startThread();
    const updated = codex.waitFor((m) => m.method === 'account/rateLimits/updated');
    const completed = codex.waitFor((m) => m.method === 'turn/completed');
    const before = Math.floor(Date.now() / 1000);
    await codex.call('turn/start', { threadId, input: [{ type: 'text', text: '@sim ratelimit primary=95 resets=600s secondary=40\n@sim reply near the limit', text_elements: [] }] });
    const update = (await updated).params?.['rateLimits'] as { primary: { usedPercent: number; windowDurationMins: number; resetsAt: number }; secondary: { usedPercent: number; windowDurationMins: number } };
    await completed;
    expect(update.primary.usedPercent).toBe(95);
    expect(update.primary.windowDurationMins).toBe(300);
    expect(update.primary.resetsAt).toBeGreaterThanOrEqual(before + 600);
    expect(update.primary.resetsAt).toBeLessThanOrEqual(before + 602);
    expect(update.secondary.usedPercent).toBe(40);
    expect(update.secondary.windowDurationMins).toBe(10_080);
  });
});
