import { rmSync } from 'node:fs';
import path from 'node:path';
import { CodexAppServer } from '../codex/appServerAdapter.js';
import { GitWorktrees } from '../git/worktrees.js';
import { createServerRequestResponder } from '../codex/serverRequests.js';
import { AppServerSupervisor } from '../codex/supervisor.js';
import { isRunningLaneState } from '../contracts/schemas.js';
import { ApprovalBroker } from '../core/approvals.js';
import { failpointFromEnv, type OpContext } from '../core/context.js';
import { resolveLane } from '../core/lanes.js';
import { drainOldestFirst, drainQueueOf } from '../core/admissionDrain.js';
import { recordRateLimits, ResetWake } from '../core/admission.js';
import { isCapacityLimited } from '../core/admissionPolicy.js';
import { LaneFeedHub } from '../core/feed.js';
import { createJournal } from '../core/journal.js';
import { createLanePipeline } from '../core/pipeline.js';
import { reattachLanes, recordLostTurns, recoverAfterDaemonRestart } from '../core/recovery.js';
import { systemClock, type Clock } from '../core/ports.js';
import { DispatchError } from '../shared/errors.js';
import { writePrivateFile } from '../shared/privateFiles.js';
import { initializeTimeoutMs } from '../shared/startup.js';
import { DISPATCH_VERSION } from '../shared/version.js';
import { openStore } from '../store/index.js';
import { createAttentionNotifier, startAttentionHook } from './attentionHook.js';
import { startAutomation } from './automation.js';
import { executeOp } from './executor.js';
import { loadHomeConfig } from './homeConfig.js';
import { preparePrivateHome } from '../control/homeSecurity.js';
import { acquireLock } from './lock.js';
import type { DaemonMode } from '../control/homeMode.js';
import { resolveStartMode, writeHomeMode } from './mode.js';
import type { DispatchPaths } from '../control/paths.js';
import { openDaemonLog } from './logFile.js';
import { DashboardServer } from './dashboard/server.js';
import { ControlServer } from './server.js';
import { startSimulation, type Simulation } from './simulation.js';
import { startStation, type RunningStation } from './station/index.js';

export interface DaemonOptions {
  paths: DispatchPaths;
  /** The mode asked for (`--simulate`/`--real`); unset reuses the home's recorded mode (real for a new home). */
  mode?: DaemonMode;
  clock?: Clock;
  /** Log to stderr as well as the log file (foreground runs). */
  logToStderr?: boolean;
}

export interface RunningDaemon {
  stop(reason: string): Promise<void>;
  stopped: Promise<void>;
}

/** The composition root: store + app-server supervisor + core + control socket, and one shutdown. */
export async function runDaemon(options: DaemonOptions): Promise<RunningDaemon> {
  const { paths } = options;
  const clock = options.clock ?? systemClock;
  preparePrivateHome(paths);
  const lock = acquireLock(paths.lock);
  // Opened here, synchronously (0600, never through a symlink), rotated by size and rate-limited per message.
  const daemonLog = openDaemonLog(paths.log, { logToStderr: options.logToStderr ?? false });
  const { log } = daemonLog;
  const cleanups: Array<() => Promise<void> | void> = [() => lock.release()];
  const runCleanups = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (error) {
        log.error('daemon.cleanup_failed', { error: (error as Error).message });
      }
    }
    cleanups.length = 0;
    daemonLog.flush();
  };

  try {
    const config = loadHomeConfig(paths.home, process.env);
    const store = openStore({ path: paths.db, clock });
    cleanups.push(() => store.close());
    if (store.migrationBackup) log.info('store.migrated', { ...store.migrationBackup });

    const mode = resolveStartMode(paths, options.mode, store.lanes.list({ includeArchived: true }).length);
    writeHomeMode(paths, mode);
    let simulation: Simulation | undefined;
    if (mode.mode === 'simulated') {
      simulation = await startSimulation(path.join(paths.home, 'sim'), log);
      cleanups.push(() => simulation?.close());
    }
    const supervisor = new AppServerSupervisor({
      codexHome: simulation?.codexHome ?? mode.codex_home,
      env: simulation?.env ?? {},
      initializeTimeoutMs: initializeTimeoutMs(process.env),
      onLog: (level, message, data) => log[level](message, data),
    });
    const appServer = new CodexAppServer(
      () => supervisor.client(),
      () => supervisor.info(),
      () => supervisor.restart(),
    );
    const feed = new LaneFeedHub((error) => log.error('feed.listener_failed', { error: (error as Error).message }));
    const hook = config.attentionHook ? startAttentionHook(config.attentionHook, { log }) : undefined;
    const notifier = hook && createAttentionNotifier(hook);
    if (hook && notifier) {
      feed.onEntry((entry) => notifier.observe(entry));
      cleanups.push(() => {
        notifier.stop();
        hook.stop();
      });
    }
    const journal = createJournal({
      store,
      clock,
      publish: (entry) => feed.publish(entry),
      retention: config.retention,
      log,
      ...(notifier ? { attentionChanged: (change) => notifier.attentionChanged(change) } : {}),
    });
    journal.prune();
    const startedAt = clock.now();
    const baseContext = {
      store,
      journal,
      appServer,
      worktrees: new GitWorktrees(),
      clock,
      feed,
      log,
      failpoint: failpointFromEnv(process.env['DISPATCH_FAILPOINT']),
      daemon: { pid: process.pid, version: DISPATCH_VERSION, startedAt, home: paths.home, socket: paths.socket, mode: mode.mode, codexHome: mode.codex_home },
      capacity: config.capacity,
    };
    const drainQueue = (laneId: string): Promise<void> => drainQueueOf({ ...baseContext, callerCwd: paths.home }, laneId);
    const drainHeld = (): void => {
      drainOldestFirst({ ...baseContext, callerCwd: paths.home }).catch((error: unknown) => log.error('queue.drain_failed', { error: (error as Error).message }));
    };
    const resetWake = new ResetWake(baseContext, drainHeld);
    cleanups.push(() => resetWake.stop());
    resetWake.arm();
    const approvals = new ApprovalBroker({ store, log });
    // The fleet comes after the app-server: triggers read its outbox and remote lanes once it is there.
    let station: RunningStation | undefined;
    const automation = startAutomation(
      {
        ...baseContext,
        callerCwd: paths.home,
        drainQueue,
        get fleet() {
          return station?.access;
        },
        get remoteLanes() {
          return station?.remoteLanes;
        },
      },
      log,
    );
    cleanups.push(() => automation.stop());
    const pipeline = createLanePipeline({
      store,
      journal,
      clock,
      log,
      publishLive: (entry) => feed.publish(entry),
      correlate: (event) => approvals.observe(event),
      automate: (event) => automation.observe(event),
      turnEnded: (laneId) => {
        drainQueue(laneId).catch((error: unknown) => log.error('queue.drain_failed', { lane: laneId, error: (error as Error).message }));
      },
    });
    supervisor.onEvent(pipeline);
    supervisor.onRateLimits((windows) => {
      try {
        recordRateLimits(baseContext, windows);
      } catch (error) {
        log.error('rate_limits.record_failed', { error: (error as Error).message });
        return;
      }
      resetWake.arm();
      // A report below the threshold lets held work go at once.
      if (isCapacityLimited(config.capacity)) drainHeld();
    });
    // What codex sent in one read is recorded in one transaction (see createLanePipeline).
    supervisor.onRead((edge) => (edge === 'start' ? pipeline.beginBatch() : pipeline.endBatch()));
    supervisor.onRaw((laneId, message) => feed.publishRaw(laneId, message));
    supervisor.setServerRequestResponder(
      createServerRequestResponder({
        decide: (question) =>
          approvals.decide({
            generation: question.generation,
            rpcId: question.requestId,
            laneId: question.laneId,
            method: question.method,
            kind: question.kind,
            signal: question.signal,
            ...(question.command === undefined ? {} : { command: question.command }),
            ...(question.reason === undefined ? {} : { reason: question.reason }),
            ...(question.paths ? { paths: question.paths } : {}),
            ...(question.itemId === undefined ? {} : { itemId: question.itemId }),
          }),
        ask: (question) =>
          approvals.ask({
            generation: question.generation,
            rpcId: question.requestId,
            laneId: question.laneId,
            method: question.method,
            kind: question.kind,
            prompt: question.prompt,
            signal: question.signal,
          }),
      }),
    );
    supervisor.onDown((info) => {
      const exit = info.exit ? (info.exit.signal ? `signal ${info.exit.signal}` : `exit code ${info.exit.code}`) : info.reason.message;
      recordLostTurns(baseContext, { message: `codex app-server exited during the turn (${exit})`, code: 'app_server_exit', exit });
    });
    supervisor.onReady(async (generation, restarted) => {
      approvals.failStale(generation);
      // Turns wait until the lanes are loaded again: a thread not loaded yet answers "thread not found".
      await reattachLanes({ ...baseContext, callerCwd: paths.home }, { generation, restarted }, (resumed) => appServer.holdTurnsUntil(resumed));
    });
    recoverAfterDaemonRestart(baseContext);
    await supervisor.start();
    cleanups.push(() => supervisor.stop());
    if (config.fleet) {
      const joined = await startStation(config.fleet, { ctx: { ...baseContext, callerCwd: paths.home, drainQueue, approvals }, log, mode: mode.mode, env: process.env, observe: (event) => automation.observe(event) });
      station = joined;
      cleanups.push(() => joined.stop());
    }

    let resolveStopped!: () => void;
    const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
    let stopping: Promise<void> | undefined;
    const stop = (reason: string): Promise<void> => {
      stopping ??= (async () => {
        log.info('daemon.stopping', { reason });
        await runCleanups();
        resolveStopped();
      })();
      return stopping;
    };

    const runOp = (op: string, input: unknown, callerCwd: string, signal: AbortSignal): Promise<unknown> => {
      const ctx: OpContext = { ...baseContext, callerCwd, signal, drainQueue, approvals, ...(station ? { fleet: station.access } : {}) };
      return executeOp(op, input, ctx);
    };
    const factSource = {
      onEntry: (listener: Parameters<typeof feed.onEntry>[0]) => feed.onEntry(listener),
      factsSince: (seq: number, lanes: readonly string[] | undefined, limit: number) => store.facts.since(seq, { ...(lanes ? { lanes } : {}), limit }),
      factBounds: () => store.facts.bounds(),
    };
    const logAt = (level: 'info' | 'warn', message: string, data?: Record<string, unknown>): void => log[level](message, data);
    // Listens on its first `dashboard` call; the page's relative paths resolve against the home.
    const dashboard = new DashboardServer({
      ...factSource,
      latestFact: (lane, type) => store.facts.latestOfType(lane, type),
      log: logAt,
      call: (op, input, signal) => runOp(op, input, paths.home, signal),
    });
    cleanups.push(() => dashboard.close());
    const server = new ControlServer({
      version: DISPATCH_VERSION,
      mode,
      busyLanes: () => store.lanes.list().filter((l) => isRunningLaneState(l.status)).length,
      resolveLane: (selector) => resolveLane(store, selector).id,
      ...factSource,
      shutdown: () => void stop('shutdown requested'),
      log: logAt,
      call: async (params, signal) => runOp(params.op, params.input, params.cwd, signal),
      dashboard: () => dashboard.start(),
    });
    await server.listen(paths.socket);
    cleanups.push(async () => {
      await server.close();
      rmSync(paths.socket, { force: true });
    });
    writePrivateFile(paths.pidfile, String(process.pid));
    cleanups.push(() => rmSync(paths.pidfile, { force: true }));
    log.info('daemon.started', { version: DISPATCH_VERSION, socket: paths.socket, appServerPid: supervisor.info().pid, mode: mode.mode });
    return { stop, stopped };
  } catch (error) {
    log.error('daemon.start_failed', { error: (error as Error).message });
    await runCleanups();
    throw error instanceof DispatchError ? error : new DispatchError('internal', `dispatchd failed to start: ${(error as Error).message}`, { cause: error });
  }
}
