import { z } from 'zod';
import { defineOp } from '../../defineOp.js';

const stationView = z.object({
  name: z.string(),
  state: z.enum(['up', 'unreachable']).describe('unreachable: its lease lapsed (no heartbeat for 15 s: crashed, cut off or hung).'),
  self: z.boolean().describe('This station.'),
  host: z.string(),
  version: z.string().describe("The station's dispatch version."),
  mode: z.string().describe('How its app-server runs.'),
  heartbeat_age_seconds: z.number().describe('Seconds since its last heartbeat (this station\'s clock against the database\'s).'),
  lanes: z.number(),
  busy: z.number(),
  needs_you: z.number(),
  started_at: z.string(),
  last_seen: z.string(),
});

export const fleetStatusOp = defineOp({
  name: 'fleet.status',
  summary: "Show the fleet: this station, the database (its password never shown), and every station's state, heartbeat age and lane counts.",
  group: 'daemon',
  intent: 'read',
  idempotent: true,
  input: z.strictObject({}),
  output: z.object({
    in_fleet: z.boolean().describe('False for a station on its own ([fleet] unset): the rest is empty.'),
    station: z.string().nullable().describe("This station's name."),
    url: z.string().nullable().describe('The fleet database, its password redacted.'),
    connected: z.boolean().nullable().describe("Whether this station's connection to the database is up (null: not known)."),
    station_state: z
      .enum(['connecting', 'joined', 'lease_lost', 'name_taken', 'stopped'])
      .nullable()
      .describe('This station in the fleet: connecting (not joined yet), joined (holds its lease), lease_lost / name_taken (another station holds the name: this one stopped its fleet work).'),
    last_error: z.string().nullable().describe("Why this station's last call to the database failed, if it did."),
    stations: z.array(stationView),
    detail: z.string().nullable(),
  }),
  errors: ['fleet_unavailable'],
  examples: [{ name: 'in no fleet', input: {}, output: { in_fleet: false, stations: [], station_state: null } }],
  cli: { command: ['fleet', 'status'] },
});
