import { DispatchError } from '../../../shared/errors.js';
import { redactUrl } from '../../../shared/redactUrl.js';
import type { Handler } from '../types.js';

const NOT_IN_FLEET = 'this station is in no fleet: set [fleet] url and station in config.toml (or DISPATCH_FLEET_URL and DISPATCH_STATION) and restart the daemon';

/** The fleet's stations as the directory holds them; a station on its own says so (exit 0: nothing is wrong). */
export const handleFleetStatus: Handler<'fleet.status'> = async (_input, ctx) => {
  const fleet = ctx.fleet;
  if (fleet === undefined) return { in_fleet: false, station: null, url: null, connected: null, station_state: null, last_error: null, stations: [], detail: NOT_IN_FLEET };
  // This station's own view needs no database round trip; the directory does.
  const own = fleet.status?.();
  const url = own?.url ?? fleet.databaseUrl;
  // While the database is away this station's own state is what matters most: shown, with the error.
  let stations: Awaited<ReturnType<typeof fleet.stations>> = [];
  let detail: string | null = null;
  try {
    stations = await fleet.stations();
  } catch (error) {
    if (!(error instanceof DispatchError && error.code === 'fleet_unavailable')) throw error;
    detail = `${error.message}; this station works on locally and catches up when it is back`;
  }
  const now = ctx.clock.now().getTime();
  return {
    in_fleet: true,
    station: fleet.station,
    url: url === undefined ? null : redactUrl(url),
    connected: detail === null ? (own?.connected ?? fleet.connected?.() ?? null) : false,
    station_state: own?.state ?? null,
    last_error: own?.lastError ?? null,
    stations: stations.map((s) => ({
      name: s.name,
      state: s.state,
      self: s.name === fleet.station,
      host: s.host,
      version: s.version,
      mode: s.mode,
      heartbeat_age_seconds: Math.max(0, Math.round((now - Date.parse(s.lastSeen)) / 1000)),
      lanes: s.lanes,
      busy: s.busy,
      needs_you: s.needsYou,
      started_at: s.startedAt,
      last_seen: s.lastSeen,
    })),
    detail,
  };
};
