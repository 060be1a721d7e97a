import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UNLIMITED_CAPACITY } from '../../src/core/admissionPolicy.js';
import { ApprovalBroker } from '../../src/core/approvals.js';
import { silentLogger, type OpContext } from '../../src/core/context.js';
import { executeOp } from '../../src/daemon/executor.js';
import { LaneFeedHub } from '../../src/core/feed.js';
import { createJournal } from '../../src/core/journal.js';
import { openStore } from '../../src/store/index.js';
import { FakeAppServer } from '../helpers/fakeAppServer.js';
import { FakeWorktrees } from '../helpers/fakeWorktrees.js';

/** A fresh registry (in memory unless `registry` names a file) holding one owned idle lane, @alpha, and a handler context around it. */
export async function contextWithAlpha(registry = ':memory:', appServer = new FakeAppServer()): Promise<OpContext> {
  const store = openStore({ path: registry });
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'dispatch-examples-'));
  const clock = { now: () => new Date('2026-11-25T12:00:00Z') };
  const feed = new LaneFeedHub();
  const ctx: OpContext = {
    store,
    journal: createJournal({ store, clock, publish: (entry) => feed.publish(entry) }),
    appServer,
    worktrees: new FakeWorktrees(),
    clock,
    feed,
    log: silentLogger,
    daemon: { pid: 1, version: 'test', startedAt: new Date('2026-11-25T11:00:00Z'), home: cwd, socket: path.join(cwd, 's'), mode: 'simulated', codexHome: cwd },
    callerCwd: cwd,
    signal: new AbortController().signal,
    drainQueue: async () => undefined,
    failpoint: async () => undefined,
    approvals: new ApprovalBroker({ store, log: silentLogger }),
    capacity: UNLIMITED_CAPACITY,
  };
  await executeOp('lane.open', { name: 'alpha' }, ctx);
  return ctx;
}
