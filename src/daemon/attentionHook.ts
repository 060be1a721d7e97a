/**
 * The attention hook: a shell command from `[hooks] attention` in config.toml, run each time a lane
 * comes to need a person (needs-you, failed, done-unread), with the lane in DISPATCH_* variables.
 * It never holds up the daemon: runs are detached, at most `maxRunning` at once (a bounded queue
 * behind), each killed with its process group after the timeout. Failures are logged by exit code
 * and signal only: neither the command nor what it printed, which may hold a secret.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { failureReason, transitionOf, type AttentionTransition } from '../core/attention.js';
import type { Logger } from '../core/context.js';
import type { Fact, FeedEntry } from '../core/facts.js';
import type { Attention, Lane } from '../core/model.js';

export interface AttentionHookConfig {
  command: string;
  timeoutSeconds: number;
  maxRunning: number;
}

export const DEFAULT_HOOK_LIMITS = { timeoutSeconds: 10, maxRunning: 4 } as const;

/** Transitions waiting for a free slot; past this the newest are dropped (and counted in the log). */
const MAX_WAITING = 256;

export interface AttentionHook {
  /** Queues a run for the transition; returns at once. */
  notify(transition: AttentionTransition): void;
  /** Kills the runs still going and forgets the waiting ones. */
  stop(): void;
}

/** How long a failure waits for its error message before the hook runs without it. */
const FAILURE_GRACE_MS = 2000;

export interface AttentionNotifier {
  /** The journal's attentionChanged: a fold that changed a lane's attention. */
  attentionChanged(change: { from: Attention; lane: Lane; fact: Fact }): void;
  /** Every committed fact (the feed): it may carry the error a failure waits for. */
  observe(entry: FeedEntry): void;
  stop(): void;
}

/**
 * Turns attention changes into hook runs. codex reports `systemError` before the turn's error and
 * completion, so a lane fails while its turn still runs, with no message yet: that transition is
 * held until the turn's error arrives (or FAILURE_GRACE_MS pass), then runs with the message.
 */
export function createAttentionNotifier(hook: AttentionHook, graceMs = FAILURE_GRACE_MS): AttentionNotifier {
  const held = new Map<string, { transition: AttentionTransition; timer: NodeJS.Timeout }>();
  const release = (laneId: string, reason?: string): void => {
    const failure = held.get(laneId);
    if (!failure) return;
    held.delete(laneId);
    clearTimeout(failure.timer);
    hook.notify(reason === undefined ? failure.transition : { ...failure.transition, reason });
  };
  return {
    attentionChanged({ from, lane, fact }) {
      // A held failure was real even when the lane moved on before its message came.
      release(lane.id);
      const transition = transitionOf(from, lane, fact);
      if (!transition) return;
      if (transition.attention === 'failed' && lane.activeTurnId !== null) {
        const timer = setTimeout(() => release(lane.id), graceMs);
        timer.unref();
        held.set(lane.id, { transition, timer });
        return;
      }
      hook.notify(transition);
    },
    observe(entry) {
      const fact = entry.event;
      if (!held.has(fact.laneId)) return;
      const error = fact.type === 'turnError' && !fact.willRetry ? fact.error : fact.type === 'turnCompleted' || fact.type === 'turnLost' ? fact.error : undefined;
      if (error) release(fact.laneId, failureReason(error));
      else if (fact.type === 'turnCompleted') release(fact.laneId);
    },
    stop() {
      for (const { timer } of held.values()) clearTimeout(timer);
      held.clear();
    },
  };
}

/** The variables a run gets besides the daemon's own environment. */
export function hookVariables(transition: AttentionTransition): Record<string, string> {
  return {
    DISPATCH_LANE: transition.laneId,
    DISPATCH_HANDLE: transition.handle,
    DISPATCH_ATTENTION: transition.attention,
    DISPATCH_REASON: transition.reason,
    DISPATCH_MESSAGE: transition.message,
  };
}

export function startAttentionHook(config: AttentionHookConfig, deps: { log: Logger; env?: NodeJS.ProcessEnv }): AttentionHook {
  const baseEnv = deps.env ?? process.env;
  const waiting: AttentionTransition[] = [];
  const running = new Set<ChildProcess>();
  let dropped = 0;
  let stopped = false;
  let pumpScheduled = false;

  const killGroup = (child: ChildProcess): void => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      // Detached: the shell leads its own process group, so what it started dies with it.
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };

  const run = (transition: AttentionTransition): void => {
    const lane = transition.laneId;
    const startedAt = Date.now();
    let child: ChildProcess;
    try {
      child = spawn('/bin/sh', ['-c', config.command], { env: { ...baseEnv, ...hookVariables(transition) }, detached: true, stdio: 'ignore' });
    } catch (error) {
      deps.log.error('hooks.attention_spawn_failed', { lane, error: (error as NodeJS.ErrnoException).code ?? 'spawn failed' });
      return;
    }
    running.add(child);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child);
    }, config.timeoutSeconds * 1000);
    timer.unref();
    const finish = (): void => {
      clearTimeout(timer);
      if (running.delete(child)) schedulePump();
    };
    child.once('error', (error: NodeJS.ErrnoException) => {
      deps.log.error('hooks.attention_spawn_failed', { lane, error: error.code ?? 'spawn failed' });
      finish();
    });
    child.once('exit', (code, signal) => {
      finish();
      const ms = Date.now() - startedAt;
      if (timedOut) deps.log.warn('hooks.attention_timed_out', { lane, attention: transition.attention, timeoutSeconds: config.timeoutSeconds, ms });
      else if (code !== 0) deps.log.warn('hooks.attention_failed', { lane, attention: transition.attention, exitCode: code, signal, ms });
    });
  };

  const pump = (): void => {
    pumpScheduled = false;
    while (!stopped && running.size < config.maxRunning) {
      const next = waiting.shift();
      if (!next) break;
      run(next);
    }
    if (dropped > 0) {
      deps.log.warn('hooks.attention_dropped', { dropped, maxWaiting: MAX_WAITING });
      dropped = 0;
    }
  };

  // Spawning takes a few milliseconds: never inside the commit that noticed the transition.
  const schedulePump = (): void => {
    if (pumpScheduled || stopped) return;
    pumpScheduled = true;
    setImmediate(pump);
  };

  return {
    notify(transition) {
      if (stopped) return;
      if (waiting.length >= MAX_WAITING) dropped++;
      else waiting.push(transition);
      schedulePump();
    },
    stop() {
      stopped = true;
      waiting.length = 0;
      for (const child of running) killGroup(child);
      running.clear();
    },
  };
}
