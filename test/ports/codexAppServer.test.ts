import { describe } from 'vitest';
import { CodexAppServer } from '../../src/codex/appServerAdapter.js';
import { startCodexHarness } from '../helpers/codexHarness.js';
import { runAppServerSuite } from './appServerSuite.js';

// The real adapter over the real pinned codex app-server and the simulated provider.
describe('AppServer port: the codex adapter on the real app-server', () => {
  runAppServerSuite(async () => {
    const harness = await startCodexHarness();
    const client = await harness.spawn();
    const describeServer = () => ({ state: 'running' as const, pid: client.process?.pid ?? null, codexVersion: null, codexBinary: null, startedAt: null, restarts: 0, lastExit: null, retryAt: null, problem: null, account: null });
    return { appServer: new CodexAppServer(() => client, describeServer, async () => describeServer()), onEvent: (listener) => client.onEvent(listener), workspace: harness.workspace, close: () => harness.close() };
  });
});
