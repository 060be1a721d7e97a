import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDispatchHarness, waitForLane, type DispatchHarness } from '../helpers/dispatchHarness.js';

type Lane = { id: string; handle: string; source: string; status: string };

// A codex thread dispatch does not own (here: one whose registry was lost) is attached by metadata only.
describe('attach', () => {
  let h: DispatchHarness;
  let threadId: string;
  beforeAll(async () => {
    h = await startDispatchHarness();
    threadId = (await h.ok<Lane>(['new', '--name', 'elsewhere', '--prefix', '', '--text', '@sim reply from before'])).id;
    await waitForLane(h, 'elsewhere');
    await h.run(['down']);
    for (const f of ['registry.db', 'registry.db-wal', 'registry.db-shm']) rmSync(path.join(h.home, f), { force: true });
    const up = await h.run(['up', '--simulate']);
    if (up.code !== 0) throw new Error(up.stderr);
  }, 60_000);
  afterAll(async () => h?.close());

  it('discovers the thread, attaches it observe-only, reads its history and refuses writes', async () => {
    const found = await h.ok<{ sessions: Array<{ id: string; managed: boolean; name: string | null }> }>(['lane', 'discover']);
    expect(found.sessions.find((s) => s.id === threadId)).toMatchObject({ managed: false, name: 'elsewhere' });
    const attached = await h.ok<Lane>(['lane', 'attach', threadId]);
    expect(attached).toMatchObject({ id: threadId, handle: '@elsewhere', source: 'attached', status: 'idle' });
    expect(await h.ok<Lane>(['lane', 'attach', threadId])).toMatchObject({ id: threadId });
    const tail = await h.ok<{ items: Array<{ type: string; text: string }> }>(['lane', 'tail', 'elsewhere']);
    expect(tail.items.map((i) => i.text)).toEqual(['@sim reply from before', 'from before']);
    const write = await h.run(['send', 'elsewhere', 'hi']);
    expect(write.code).toBe(7);
    expect((await h.run(['lane', 'archive', 'elsewhere', '--yes'])).code).toBe(7);
    const renamed = await h.ok<Lane>(['lane', 'rename', 'elsewhere', 'watched']);
    expect(renamed.handle).toBe('@watched');
  });
});
