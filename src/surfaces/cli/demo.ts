import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDaemon, stopDaemon, type DaemonClient } from '../../client/client.js';
import { isRunningLaneState } from '../../contracts/schemas.js';
import { resolvePaths } from '../../control/paths.js';
import { dim } from './render.js';

type Lane = { id: string; handle: string; status: string; latest_turn: { status: string } | null; last_agent_message: string | null };

const say = (text: string): void => void process.stdout.write(`${text}\n`);

async function waitUntilSettled(client: DaemonClient, lane: string, timeoutMs = 30_000): Promise<Lane> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const shown = await client.call<Lane>('lane.get', { lane });
    if (!isRunningLaneState(shown.status)) return shown;
    if (Date.now() > deadline) throw new Error(`${lane} still ${shown.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A guided run on the simulated provider in a throwaway home: the real codex app-server does the
 * work, the simulated model decides what it "says" from @sim directives in the messages.
 */
export async function runDemo(options: { keep: boolean }): Promise<void> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'dispatch-demo-'));
  const workspace = path.join(home, 'workspace');
  mkdirSync(workspace);
  const env: NodeJS.ProcessEnv = { ...process.env, DISPATCH_HOME: home };
  delete env['DISPATCH_SOCKET'];
  delete env['DISPATCH_DB'];
  delete env['DISPATCH_PIDFILE'];
  const paths = resolvePaths(env);
  say(dim(`home ${home}`));
  const started = Date.now();
  const client = await startDaemon(paths, { mode: 'simulated', env });
  try {
    say(`1. dispatchd ${client.hello.version} is up (pid ${client.hello.pid}) with codex on the simulated provider (${Date.now() - started} ms)`);

    const writer = await client.call<Lane>('new', {
      name: 'writer',
      prefix: '',
      cwd: workspace,
      sandbox: 'workspace-write',
      text: '@sim write hello.txt Hello from a dispatch lane\n@sim reply I wrote hello.txt for you.',
    }, { cwd: workspace });
    say(`2. created ${writer.handle} and sent it a task; it is ${writer.status}`);
    const writerDone = await waitUntilSettled(client, writer.handle);
    say(`   ${writer.handle} is ${writerDone.status}; last turn ${writerDone.latest_turn?.status}; it said: "${writerDone.last_agent_message}"`);
    say(`   hello.txt on disk: "${readFileSync(path.join(workspace, 'hello.txt'), 'utf8').trim()}"`);

    const reviewer = await client.call<Lane>('new', { name: 'reviewer', prefix: '', cwd: workspace, text: '@sim slow 40x100\n@sim reply This is a long review that will be stopped.' }, { cwd: workspace });
    say(`3. created ${reviewer.handle} with a slow task (4 s of streaming)`);
    for (const text of ['first queued follow-up', 'second queued follow-up']) {
      const ack = await client.call<{ detail: string }>('send', { lane: reviewer.handle, text, mode: 'queue' });
      say(`   queued: ${ack.detail}`);
    }
    const busy = await client.call<{ code?: string }>('send', { lane: reviewer.handle, text: 'plain send while busy' }).catch((e: { code?: string; message: string }) => e);
    say(`   a plain send while it works is refused: ${busy.code ?? 'accepted?!'}`);
    await new Promise((r) => setTimeout(r, 300));
    await client.call('stop', { lane: reviewer.handle });
    say(`4. stopped ${reviewer.handle}'s running turn; the queue now delivers its messages one idle transition at a time`);
    for (let i = 0; i < 50; i++) {
      const pending = (await client.call<{ deliveries: { queued: number } }>('daemon.status', {})).deliveries.queued;
      const shown = await client.call<Lane>('lane.get', { lane: reviewer.handle });
      if (pending === 0 && shown.status !== 'busy') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const transcript = await client.call<{ items: Array<{ type: string; text: string | null }> }>('lane.tail', { lane: reviewer.handle, limit: 20 });
    say(`5. ${reviewer.handle}'s history:`);
    for (const item of transcript.items) say(`   ${item.type.padEnd(16)} ${(item.text ?? '').replace(/\s+/g, ' ').slice(0, 70)}`);
    const log = await client.call<{ actions: Array<{ op: string; detail: string | null; outcome: string }> }>('daemon.log', { limit: 12 });
    // `log` answers newest first; the story above runs forward in time, so the audit does too.
    say('6. audit log, oldest first:');
    for (const entry of log.actions.toReversed()) say(`   ${entry.op.padEnd(12)} ${entry.outcome.padEnd(8)} ${(entry.detail ?? '').replace(/\s+/g, ' ').slice(0, 60)}`);
    say(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    if (options.keep) {
      say(dim(`kept: DISPATCH_HOME=${home} dispatch lane list   (stop it with DISPATCH_HOME=${home} dispatch down)`));
      await client.close();
    } else {
      await stopDaemon(paths, client);
      rmSync(home, { recursive: true, force: true });
    }
  }
}
