import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CodexClient } from '../../src/codex/client.js';
import { MAX_TEXT_CHARS } from '../../src/contracts/limits.js';
import { startCodexHarness, type CodexHarness } from '../helpers/codexHarness.js';

// MAX_TEXT_CHARS is codex's limit, not a guess: the pinned app-server takes exactly that many
// characters (code points, so emoji count once) and refuses one more with input_too_large.
describe('the message text limit of the pinned app-server', () => {
  let harness: CodexHarness;
  let client: CodexClient;
  beforeAll(async () => {
    harness = await startCodexHarness();
    client = await harness.spawn();
  });
  afterAll(async () => harness?.close());

  it('accepts MAX_TEXT_CHARS characters and refuses MAX_TEXT_CHARS + 1', async () => {
    const { thread } = await client.request('thread/start', { cwd: harness.workspace, ephemeral: true });
    const head = '@sim hang\n';
    const exactly = `${head}${'\u{1F600}'.repeat(MAX_TEXT_CHARS - head.length)}`;
    const turn = await client.turnStart({ threadId: thread.id, text: exactly });
    await client.request('turn/interrupt', { threadId: thread.id, turnId: turn.id });
    const refused = await client.turnStart({ threadId: thread.id, text: `${exactly}x` }).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'app_server', cause: { data: { input_error_code: 'input_too_large', max_chars: MAX_TEXT_CHARS } } });
  });
});
