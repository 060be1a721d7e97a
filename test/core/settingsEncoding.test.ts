import { describe, expect, it } from 'vitest';
import { settingsFromInput, settingsViewOf } from '../../src/core/lanes.js';
import type { TurnSettings } from '../../src/core/model.js';

describe('TurnSettings snake_case encoding', () => {
  it('round-trips every field and leaves unset ones out', () => {
    const full: TurnSettings = {
      sandbox: 'workspace-write',
      approvalPolicy: 'on-request',
      approvalsReviewer: 'auto_review',
      model: 'm',
      modelProvider: 'p',
      effort: 'high',
      summary: 'concise',
      personality: 'pragmatic',
      serviceTier: 'flex',
    };
    const view = settingsViewOf(full);
    expect(view).toEqual({ sandbox: 'workspace-write', approval_policy: 'on-request', approvals_reviewer: 'auto_review', model: 'm', model_provider: 'p', effort: 'high', summary: 'concise', personality: 'pragmatic', service_tier: 'flex' });
    expect(settingsFromInput(view)).toEqual(full);
    expect(settingsViewOf({ sandbox: 'read-only', approvalPolicy: 'never' })).toEqual({ sandbox: 'read-only', approval_policy: 'never' });
    expect(settingsFromInput({ model: 'm', sandbox: undefined })).toEqual({ model: 'm' });
  });
});
