import { attentionItems, orderAttention } from '../attention.js';
import type { Lane } from '../model.js';
import { requireFleet } from '../remoteLanes.js';
import { appServerViewOf } from './daemon/status.js';
import { remoteAttentionItems } from './fleet/shared.js';
import type { Handler } from './types.js';

/** Pending requests, the app-server's login, and the lanes' folded attention, as one ordered list (--fleet: with the other stations' lanes). */
export const handleAttention: Handler<'attention'> = async (input, ctx) => {
  const { store } = ctx;
  const lanes = store.lanes.list();
  const app = ctx.appServer.info();
  // Unread (null) is not "logged out": only an account/read that says no account is.
  const loggedIn = appServerViewOf(app, ctx.clock.now()).account?.logged_in ?? true;
  // A handle two lanes share would be ambiguous in an action: those are named by id.
  const selector = (lane: Lane): string => (store.lanes.findByHandle(lane.handle).length === 1 ? lane.handle : lane.id);
  const items = attentionItems(
    {
      lanes,
      pending: store.requests.list({ states: ['pending'] }),
      receiptsOf: (laneId, turnId) => store.deliveries.findByTurn(laneId, turnId),
      codexHome: ctx.daemon.codexHome,
      missingLogin: loggedIn ? null : { since: app.startedAt ?? ctx.daemon.startedAt.toISOString() },
      held: store.deliveries.list({ states: ['queued'] }).filter((d) => d.held !== null),
    },
    selector,
  );
  if (!input.fleet) return { items };
  const fleet = requireFleet(ctx);
  const remote = remoteAttentionItems((await fleet.lanes()).filter((lane) => lane.station !== fleet.station));
  const here = items.map((item) => ({ ...item, station: fleet.station, reachable: true }));
  return { items: orderAttention([...here, ...remote]) };
};
