import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseApprovalRule, resolveNewLane } from '../../src/core/newConfig.js';

describe('approval routing from new and presets', () => {
  it('takes approvals, timeout and rules from a preset, the input adding to it', async () => {
    const repo = mkdtempSync(path.join(os.tmpdir(), 'dsp-cfg-'));
    mkdirSync(path.join(repo, '.dispatch'));
    writeFileSync(
      path.join(repo, '.dispatch', 'config.toml'),
      '[presets.careful]\napproval_policy = "untrusted"\napprovals = "ask"\napproval_timeout = 60\napproval_rule = ["allow:cmd:npm test", "deny:path:secrets/"]\n',
    );
    const resolved = await resolveNewLane({ name: 'x', preset: ['careful'] }, { callerCwd: repo });
    expect(resolved.settings.approvalPolicy).toBe('untrusted');
    expect(resolved.settings.approvals).toEqual({
      mode: 'ask',
      timeoutSeconds: 60,
      onTimeout: 'decline',
      rules: [
        { decision: 'accept', command: 'npm test' },
        { decision: 'decline', path: 'secrets/' },
      ],
    });
  });

  it('parses rules and rejects malformed ones', () => {
    expect(parseApprovalRule('deny:cmd:rm -rf')).toEqual({ decision: 'decline', command: 'rm -rf' });
    expect(() => parseApprovalRule('maybe:cmd:ls')).toThrow(/allow\|deny/);
  });
});
