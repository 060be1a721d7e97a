import { z } from 'zod';
import { defineOp } from '../../defineOp.js';
import { rateLimitWindowView } from '../../schemas.js';

/** The app-server as `daemon status` shows it (also the answer of `codex restart`). */
export const appServerView = z.object({
  state: z.enum(['starting', 'running', 'restarting', 'failed', 'stopped']),
  pid: z.number().nullable(),
  codex_version: z.string().nullable(),
  codex_binary: z.string().nullable(),
  uptime_seconds: z.number().nullable(),
  restarts: z.number(),
  last_exit: z.string().nullable().describe('How the last app-server ended (signal or exit code), or why the last start failed.'),
  retry_at: z.string().nullable().describe('When a failed app-server (restart budget spent) is started again by itself; `dispatch up` restarts it now.'),
  problem: z.string().nullable().describe('What is wrong and what to run while the app-server is not running; null while it runs.'),
  account: z
    .object({ logged_in: z.boolean(), type: z.string().nullable(), requires_openai_auth: z.boolean() })
    .nullable()
    .describe('codex `account/read` at the last app-server start; logged_in false means real turns cannot reach the provider.'),
});

export const daemonStatusOp = defineOp({
  name: 'daemon.status',
  summary: 'Show daemon health: app-server state, pid, codex version, uptime, lane and trigger counts.',
  group: 'daemon',
  intent: 'read',
  idempotent: true,
  input: z.strictObject({}),
  output: z.object({
    daemon: z.object({
      pid: z.number(),
      version: z.string(),
      uptime_seconds: z.number(),
      home: z.string(),
      socket: z.string(),
      mode: z.enum(['simulated', 'real']).describe('How this home runs codex (recorded on its first start; auto-start keeps it).'),
      codex_home: z.string().describe('The codex home the lanes\' threads live in.'),
    }),
    app_server: appServerView,
    lanes: z.object({ total: z.number(), idle: z.number(), busy: z.number(), waiting_approval: z.number(), error: z.number(), archived: z.number() }),
    triggers: z.object({ total: z.number(), enabled: z.number() }),
    deliveries: z.object({ queued: z.number(), submitting: z.number(), ambiguous: z.number(), accepted: z.number() }).describe('Receipts not yet settled.'),
    rate_limits: z.array(rateLimitWindowView).describe("The account's rate-limit windows as codex last reported them (none before its first report)."),
    capacity: z
      .object({
        max_busy_lanes: z.number().nullable().describe('[capacity] max_busy_lanes; null: unlimited.'),
        hold_above_percent: z.number().nullable().describe('[capacity] hold_above_percent; null: off.'),
        busy_lanes: z.number().describe('Turns running now across the daemon.'),
        held: z.number().describe('Queued receipts admission holds back.'),
      })
      .describe('Capacity admission (config.toml [capacity]).'),
    fleet: z
      .object({
        station: z.string().describe('This station\'s name in the fleet.'),
        state: z
          .enum(['connecting', 'joined', 'lease_lost', 'name_taken', 'stopped'])
          .nullable()
          .describe('connecting: not joined yet (the database unreachable so far); joined: holds its lease; lease_lost / name_taken: another station holds the name, so all fleet work stopped.'),
        connected: z.boolean().nullable().describe('The last call to the database succeeded (false while it retries).'),
        url: z.string().nullable().describe('The database URL, its password shown as ***.'),
        last_error: z.string().nullable(),
        lease_expires_at: z.string().nullable().describe('When this station\'s lease in the directory lapses unless renewed.'),
      })
      .nullable()
      .describe('This station\'s place in its fleet ([fleet] in config.toml); null in no fleet. `dispatch fleet status` lists the other stations.'),
  }),
  errors: [],
  examples: [{ name: 'status', input: {}, output: {} }],
  cli: { command: ['daemon', 'status'] },
});
