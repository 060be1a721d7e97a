import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startSimAppServer } from '../helpers/simAppServer.js';

// The proof that the SSE shapes are right: the pinned codex app-server runs a real turn against the simulator.
describe('pinned codex app-server on the simulated provider', () => {
  it('applies a patch and streams the scripted reply', async () => {
    const codex = await startSimAppServer();
    const threadId = await codex.startThread();
    const completed = codex.waitFor((m) => m.method === 'turn/completed');
    await codex.call('turn/start', {
      threadId,
      input: [{ type: 'text', text: '@sim write hello.txt hi\n@sim reply wrote it', text_elements: [] }],
    });
    const turn = (await completed).params?.['turn'] as { status: string; items: Array<{ type: string; text?: string }> };

    expect(turn.status).toBe('completed');
    expect(await readFile(path.join(codex.workspace, 'hello.txt'), 'utf8')).toBe('hi\n');
    expect(turn.items.filter((item) => item.type === 'agentMessage').map((item) => item.text)).toEqual(['wrote it']);
    expect(codex.messages.filter((m) => m.method === 'warning')).toEqual([]);
    expect(codex.messages.some((m) => m.method === 'item/completed' && (m.params?.['item'] as { type: string }).type === 'fileChange')).toBe(true);
    expect(codex.provider.requests.map((r) => [r.stepKind, r.toolOutputs, r.threadId])).toEqual([
      ['patch', 0, threadId],
      ['message', 1, threadId],
    ]);
  });
});
