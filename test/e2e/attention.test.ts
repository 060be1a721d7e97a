import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil, startDispatchHarness, waitForLane, type DispatchHarness } from '../helpers/dispatchHarness.js';

type Item = { attention: string; reason: string; lane: string | null; handle: string | null; request: number | null; summary: string; since: string; commands: string[] };

const readLines = (file: string): string[] => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

/** A listed command as argv for the CLI; these tests name lanes without a repo prefix, so none needs shell quoting. */
function argv(command: string): string[] {
  expect(command, 'a command the test can run').toMatch(/^dispatch [^'"\\]+$/);
  return command.split(' ').slice(1);
}

// `dispatch attention` and the [hooks] attention command, on the real app-server with the simulated provider.
describe('attention', () => {
  let h: DispatchHarness;
  const hookFile = (home: string): string => path.join(home, 'transitions.log');
  // One hook at a time: its lines land in the order the transitions happened.
  const config = (home: string): string => `[hooks]\nattention = 'printf "%s %s %s\\n" "$DISPATCH_LANE" "$DISPATCH_ATTENTION" "$DISPATCH_REASON" >> ${hookFile(home)}'\nmax_running = 1\n`;
  const attention = async (): Promise<Item[]> => (await h.ok<{ items: Item[] }>(['attention', '--json'])).items;
  const idOf = async (lane: string): Promise<string> => String((await h.ok(['lane', 'get', lane]))['id']);
  const lane = (name: string, ...flags: string[]) => h.ok(['new', '--name', name, '--prefix', '', '--no-send', ...flags]);

  beforeAll(async () => {
    h = await startDispatchHarness({ configToml: config });
  }, 60_000);
  afterAll(async () => h?.close());

  it('is all clear on a fresh home', async () => {
    expect(await attention()).toEqual([]);
  });

  it('lists an approval first with its respond commands, then a failure with its error, then a finished lane until it is read; the hook runs once per transition', { timeout: 120_000 }, async () => {
    await lane('finished');
    await lane('broken');
    await lane('careful', '--approval-policy', 'untrusted', '--sandbox', 'danger-full-access');
    await h.ok(['send', 'finished', '@sim reply all green']);
    await waitForLane(h, 'finished');
    await h.ok(['send', 'broken', '@sim fail 500']);
    await waitForLane(h, 'broken');
    await h.ok(['send', 'careful', '@sim shell echo yes > approved.txt\n@sim reply ran it']);
    const [finished, broken, careful] = [await idOf('finished'), await idOf('broken'), await idOf('careful')];

    const items = await pollUntil(attention, (list) => list.some((i) => i.reason === 'approval'), 'the approval being listed', 30_000);
    expect(items.map((i) => [i.attention, i.reason, i.handle])).toEqual([
      ['needs-you', 'approval', '@careful'],
      ['failed', 'error', '@broken'],
      ['done-unread', 'done', '@finished'],
    ]);
    const [approval, failure, done] = items as [Item, Item, Item];
    expect(approval).toMatchObject({ lane: careful, summary: 'echo yes > approved.txt' });
    expect(approval.commands).toEqual([`dispatch request respond ${approval.request} accept`, `dispatch request respond ${approval.request} decline`]);
    const brokenTurn = (await h.ok(['lane', 'get', 'broken']))['latest_turn'] as { error: { message: string } };
    expect(failure).toMatchObject({ lane: broken, summary: brokenTurn.error.message });
    expect(failure.summary.length).toBeGreaterThan(0);
    expect(failure.commands[0]).toBe('dispatch lane tail @broken');
    expect(failure.commands).toContain("dispatch send @broken '<message>'");
    expect(failure.commands.some((c) => /^dispatch delivery retry \d+$/.test(c))).toBe(true);
    expect(done).toMatchObject({ lane: finished, summary: 'all green' });
    expect(done.commands).toEqual(['dispatch lane tail @finished', 'dispatch lane read @finished', "dispatch send @finished '<message>'"]);

    // The listed commands are the real ones: accepting through it lets the lane finish.
    await h.ok(argv(approval.commands[0] ?? ''));
    expect((await waitForLane(h, 'careful'))['last_agent_message']).toBe('ran it');
    expect(existsSync(path.join(h.workspace, 'approved.txt'))).toBe(true);
    // `lane read` clears done-unread without reading, `lane tail` by reading.
    const read = await h.ok<{ lanes: Array<{ handle: string; was_unread: boolean }> }>(argv(done.commands[1] ?? ''));
    expect(read.lanes).toEqual([{ lane: finished, handle: '@finished', was_unread: true }]);
    expect((await attention()).map((i) => i.handle)).toEqual(['@broken', '@careful']);
    await h.ok(['lane', 'tail', 'careful']);
    expect((await attention()).map((i) => [i.attention, i.handle])).toEqual([['failed', '@broken']]);
    expect((await h.ok<{ lanes: Array<{ was_unread: boolean }> }>(['lane', 'read', 'finished', 'careful'])).lanes.map((l) => l.was_unread)).toEqual([false, false]);

    // A last transition: once its line is there, every earlier one has run (one hook at a time).
    await lane('last');
    await h.ok(['send', 'last', '@sim reply the end']);
    const last = await idOf('last');
    const lines = await pollUntil(async () => readLines(hookFile(h.home)), (l) => l.includes(`${last} done-unread done`), 'the last hook run', 30_000);
    // codex reports the failed status before the turn's error: the hook still gets the message.
    expect(lines).toEqual([`${finished} done-unread done`, `${broken} failed ${brokenTurn.error.message}`, `${careful} needs-you approval`, `${careful} done-unread done`, `${last} done-unread done`]);
  });

  it('lists a question with a respond command per option; the hook says question, once', { timeout: 90_000 }, async () => {
    await lane('curious');
    await h.ok(['send', 'curious', '@sim ask color: Which color? | Red | Blue\n@sim reply you chose']);
    const id = await idOf('curious');
    const items = await pollUntil(attention, (list) => list.some((i) => i.lane === id && i.reason === 'question'), 'the question being listed', 30_000);
    const question = items.find((i) => i.lane === id) as Item;
    expect(question).toMatchObject({ attention: 'needs-you', summary: 'Which color? [Red | Blue]' });
    const respond = `dispatch request respond ${question.request}`;
    expect(question.commands).toEqual(expect.arrayContaining([`${respond} --answer Red`, `${respond} --answer Blue`, `${respond} decline`]));
    await h.ok(argv(`${respond} --answer Blue`));
    expect((await waitForLane(h, 'curious', (l) => l['attention'] === 'done-unread'))['last_agent_message']).toBe('you chose');
    const mine = (lines: string[]): string[] => lines.filter((line) => line.startsWith(`${id} `));
    await pollUntil(async () => mine(readLines(hookFile(h.home))), (l) => l.includes(`${id} done-unread done`), 'the done hook run', 30_000);
    expect(mine(readLines(hookFile(h.home)))).toEqual([`${id} needs-you question`, `${id} done-unread done`]);
  });

  it('refuses to mark an unknown lane, marking none of the others', async () => {
    await lane('unread');
    await h.ok(['send', 'unread', '@sim reply unread one']);
    await waitForLane(h, 'unread', (l) => l['attention'] === 'done-unread');
    const refused = await h.run(['lane', 'read', 'unread', 'no-such-lane', '--json']);
    expect(refused.code).toBe(4);
    expect((await h.ok(['lane', 'get', 'unread']))['attention']).toBe('done-unread');
  });
});

describe('a hook that hangs', () => {
  let h: DispatchHarness;
  const pids = (home: string): string => path.join(home, 'hook-pids');
  beforeAll(async () => {
    h = await startDispatchHarness({
      configToml: (home) => `[hooks]\nattention = "sleep 300 & echo $! >> ${pids(home)}; wait"\ntimeout_seconds = 3\nmax_running = 1\n`,
    });
  }, 60_000);
  afterAll(async () => h?.close());

  it('is killed after its timeout, and the daemon serves on meanwhile', { timeout: 90_000 }, async () => {
    await h.ok(['new', '--name', 'first', '--prefix', '', '--text', '@sim reply one']);
    const [pid] = await pollUntil(async () => readLines(pids(h.home)).map(Number), (p) => p.length === 1, 'the hook starting');
    const started = Date.now();
    // While it hangs, with the only hook slot taken, lanes still run and answer.
    await h.ok(['new', '--name', 'second', '--prefix', '', '--text', '@sim reply two']);
    expect((await waitForLane(h, 'second', (l) => l['attention'] === 'done-unread'))['last_agent_message']).toBe('two');
    expect((await h.ok<{ items: Item[] }>(['attention', '--json'])).items.map((i) => i.handle)).toEqual(['@first', '@second']);
    const alive = (p: number): boolean => {
      try {
        process.kill(p, 0);
      } catch {
        return false;
      }
      const stat = `/proc/${p}/stat`;
      return !existsSync(stat) || !/^\d+ \(.*\) Z/.test(readFileSync(stat, 'utf8'));
    };
    if (Date.now() - started < 2500) expect(alive(pid ?? 0)).toBe(true);
    await pollUntil(async () => alive(pid ?? 0), (up) => !up, 'the hung hook being killed', 20_000);
    const log = (): string => readFileSync(path.join(h.home, 'dispatchd.log'), 'utf8');
    await pollUntil(async () => log(), (text) => text.includes('hooks.attention_timed_out'), 'the timeout in the daemon log', 20_000);
    // The second lane's hook ran after it (one slot), and hangs in turn; the daemon still answers.
    await pollUntil(async () => readLines(pids(h.home)).length, (n) => n === 2, 'the next hook starting', 20_000);
    expect((await h.ok(['daemon', 'status']))['daemon']).toBeTruthy();
    expect(log()).not.toContain('sleep 300');
  });
});
