import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_TABLE } from '../../src/shared/errors.js';
import { startDispatchHarness, waitForLane, type DispatchHarness } from '../helpers/dispatchHarness.js';

// Lanes keep working through archive/restore, rename and attach, on the real app-server.
describe('lane lifecycle', () => {
  let h: DispatchHarness;
  beforeAll(async () => {
    h = await startDispatchHarness();
  }, 60_000);
  afterAll(async () => h?.close());

  it('takes a send right after archive and restore', async () => {
    await h.ok(['new', '--name', 'phoenix', '--prefix', '', '--text', '@sim reply first']);
    await waitForLane(h, 'phoenix', (l) => l['last_agent_message'] === 'first');
    expect(await h.ok(['lane', 'archive', 'phoenix'])).toMatchObject({ status: 'archived' });
    expect(await h.ok(['lane', 'restore', 'phoenix'])).toMatchObject({ status: 'idle' });
    const sent = await h.run(['send', 'phoenix', '@sim reply second']);
    expect(sent.stderr).toBe('');
    expect(sent.code).toBe(0);
    await waitForLane(h, 'phoenix', (l) => l['last_agent_message'] === 'second');
  });

  it('restores a lane archived before its first turn and sends to it', async () => {
    await h.ok(['new', '--name', 'unborn', '--prefix', '', '--no-send']);
    await h.ok(['lane', 'archive', 'unborn']);
    await h.ok(['lane', 'restore', 'unborn']);
    await h.ok(['send', 'unborn', '@sim reply alive']);
    await waitForLane(h, 'unborn', (l) => l['last_agent_message'] === 'alive');
  });

  it('answers ambiguous, listing the candidates, for a bare name two repos share', async () => {
    for (const repo of ['alpha', 'beta']) {
      mkdirSync(path.join(h.workspace, repo, '.git'), { recursive: true });
      await h.ok(['new', '--name', 'fix-tests', '--cwd', repo, '--no-send']);
    }
    const shown = await h.run(['lane', 'get', 'fix-tests']);
    expect(shown.code).toBe(ERROR_TABLE.ambiguous.exit);
    const error = (JSON.parse(shown.stderr) as { error: { code: string; data: { candidates: Array<{ handle: string; id: string; cwd: string }> } } }).error;
    expect(error.code).toBe('ambiguous');
    expect(error.data.candidates.map((c) => c.handle).sort()).toEqual(['@[alpha] fix-tests', '@[beta] fix-tests']);
    expect(error.data.candidates.map((c) => path.basename(c.cwd)).sort()).toEqual(['alpha', 'beta']);
    expect(await h.ok(['lane', 'get', '@[beta] fix-tests'])).toMatchObject({ handle: '@[beta] fix-tests' });
  });

  it('renames an already registered thread attached again with a new --name', async () => {
    await h.ok(['new', '--name', 'taken', '--prefix', '', '--no-send']);
    const lane = await h.ok<{ id: string }>(['new', '--name', 'before', '--prefix', '', '--no-send']);
    expect(await h.ok(['lane', 'attach', lane.id])).toMatchObject({ id: lane.id, handle: '@before' });
    expect(await h.ok(['lane', 'attach', lane.id, '--name', 'after'])).toMatchObject({ id: lane.id, handle: '@after' });
    expect(await h.ok(['lane', 'get', 'after'])).toMatchObject({ id: lane.id });
    expect((await h.run(['lane', 'attach', lane.id, '--name', 'taken'])).code).toBe(10);
  });
});
