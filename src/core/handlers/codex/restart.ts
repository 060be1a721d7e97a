import type { Handler } from '../types.js';
import { appServerViewOf } from '../daemon/status.js';

// The audit detail names the state only: a failed start's exit carries codex's stderr.
export const handleCodexRestart: Handler<'codex.restart'> = async (_input, ctx) => {
  const before = ctx.appServer.info();
  if (before.state === 'running') return { restarted: false, app_server: appServerViewOf(before, ctx.clock.now()) };
  try {
    const after = await ctx.appServer.restart();
    ctx.store.audit.record({ op: 'codex.restart', lane: null, detail: `was ${before.state}` });
    return { restarted: true, app_server: appServerViewOf(after, ctx.clock.now()) };
  } catch (error) {
    ctx.store.audit.record({ op: 'codex.restart', lane: null, detail: `was ${before.state}`, outcome: 'app_server' });
    throw error;
  }
};
