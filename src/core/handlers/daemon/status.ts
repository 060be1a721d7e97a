import type { z } from 'zod';
import type { appServerView, daemonStatusOp } from '../../../contracts/ops/daemon/status.js';
import { redactUrl } from '../../../shared/redactUrl.js';
import { busyLaneCount } from '../../admission.js';
import type { FleetAccess } from '../../fleet.js';
import type { AppServerInfo } from '../../ports.js';
import type { Handler } from '../types.js';

const secondsSince = (iso: string | null, now: Date): number | null => (iso ? Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000)) : null);

/** The app-server's part of `daemon status` (and of `codex restart`). */
export function appServerViewOf(app: AppServerInfo, now: Date): z.input<typeof appServerView> {
  return {
    state: app.state,
    pid: app.pid,
    codex_version: app.codexVersion,
    codex_binary: app.codexBinary,
    uptime_seconds: app.state === 'running' ? secondsSince(app.startedAt, now) : null,
    restarts: app.restarts,
    last_exit: app.lastExit,
    retry_at: app.retryAt,
    problem: app.problem,
    account: app.account && {
      // No account while the provider requires OpenAI auth: no turn can reach the provider.
      logged_in: app.account.type !== null || !app.account.requiresOpenaiAuth,
      type: app.account.type,
      requires_openai_auth: app.account.requiresOpenaiAuth,
    },
  };
}

/** This station's place in its fleet, from its own view (no database round trip); null in no fleet. */
function fleetViewOf(fleet: FleetAccess | undefined): z.input<typeof daemonStatusOp.output>['fleet'] {
  if (fleet === undefined) return null;
  const own = fleet.status?.();
  const url = own?.url ?? fleet.databaseUrl;
  return {
    station: fleet.station,
    state: own?.state ?? null,
    connected: own?.connected ?? fleet.connected?.() ?? null,
    url: url === undefined ? null : redactUrl(url),
    last_error: own?.lastError ?? null,
    lease_expires_at: own?.leaseExpiresAt ?? null,
  };
}

export const handleDaemonStatus: Handler<'daemon.status'> = async (_input, ctx) => {
  const now = ctx.clock.now();
  const lanes = ctx.store.lanes.list({ includeArchived: true });
  const count = (status: string): number => lanes.filter((l) => l.status === status).length;
  const triggers = ctx.store.triggers.list();
  return {
    daemon: {
      pid: ctx.daemon.pid,
      version: ctx.daemon.version,
      uptime_seconds: Math.round((now.getTime() - ctx.daemon.startedAt.getTime()) / 1000),
      home: ctx.daemon.home,
      socket: ctx.daemon.socket,
      mode: ctx.daemon.mode,
      codex_home: ctx.daemon.codexHome,
    },
    app_server: appServerViewOf(ctx.appServer.info(), now),
    lanes: {
      total: lanes.length - count('archived'),
      idle: count('idle'),
      busy: count('busy'),
      waiting_approval: count('waiting_approval'),
      error: count('error'),
      archived: count('archived'),
    },
    triggers: { total: triggers.length, enabled: triggers.filter((t) => t.enabled).length },
    deliveries: (() => {
      const counts = ctx.store.deliveries.countByState();
      return { queued: counts.queued ?? 0, submitting: counts.submitting ?? 0, ambiguous: counts.ambiguous ?? 0, accepted: counts.accepted ?? 0 };
    })(),
    rate_limits: ctx.store.rateLimits.current(),
    capacity: {
      max_busy_lanes: ctx.capacity.maxBusyLanes,
      hold_above_percent: ctx.capacity.holdAbovePercent,
      busy_lanes: busyLaneCount(ctx.store),
      held: ctx.store.deliveries.list({ states: ['queued'] }).filter((d) => d.held !== null).length,
    },
    fleet: fleetViewOf(ctx.fleet),
  };
};
