import { describe, expect, it } from 'vitest';
import { buildManifest } from '../../../src/contracts/manifest.js';
import { age, renderAttention, withCommands } from '../../../src/surfaces/cli/attentionView.js';
import { commandLine, shellWord } from '../../../src/surfaces/cli/commandLine.js';

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

describe('actions as commands', () => {
  it('spells an op call with its command words, positionals and flags, quoted for the shell', async () => {
    const manifest = await buildManifest();
    expect(commandLine(manifest, 'request.respond', { id: 3, decision: 'accept' })).toBe('dispatch request respond 3 accept');
    expect(commandLine(manifest, 'request.respond', { id: 5, answer: ['Sky blue'] })).toBe("dispatch request respond 5 --answer 'Sky blue'");
    expect(commandLine(manifest, 'request.respond', { id: 6, answer: ['a=<answer>', 'b=<answer>'] })).toBe("dispatch request respond 6 --answer 'a=<answer>' --answer 'b=<answer>'");
    expect(commandLine(manifest, 'send', { lane: '@[repo] fix', text: '<message>' })).toBe("dispatch send '@[repo] fix' '<message>'");
    expect(commandLine(manifest, 'lane.read', { lane: ['@a', '@b'] })).toBe('dispatch lane read @a @b');
    expect(commandLine(manifest, 'request.list', { lane: '@early' })).toBe('dispatch request list --lane @early');
    expect(commandLine(manifest, 'delivery.retry', { receipt: 8 })).toBe('dispatch delivery retry 8');
    expect(commandLine(manifest, 'lane.open', { name: 'x' })).toBeUndefined();
  });

  it('adds each item\'s commands, a login\'s steps first', async () => {
    const manifest = await buildManifest();
    const result = withCommands(
      {
        items: [
          { reason: 'login', codex_home: '/home/me/my codex', actions: [{ op: 'send', input: { lane: '@w', text: '<message>' }, fill: ['text'] }] },
          { reason: 'done', actions: [{ op: 'lane.tail', input: { lane: '@w' }, fill: [] }] },
        ],
      },
      manifest,
    ) as { items: Array<{ commands: string[] }> };
    expect(result.items.map((i) => i.commands)).toEqual([["CODEX_HOME='/home/me/my codex' codex login", 'dispatch down && dispatch up', "dispatch send @w '<message>'"], ['dispatch lane tail @w']]);
  });

  it('quotes a word only when the shell would change it', () => {
    expect(shellWord('@fix-tests')).toBe('@fix-tests');
    expect(shellWord('@[repo] fix')).toBe("'@[repo] fix'");
    expect(shellWord("it's")).toBe("'it'\\''s'");
  });
});
