import type { OpContract } from './defineOp.js';
import { attentionOp } from './ops/attention.js';
import { daemonLogOp } from './ops/daemon/log.js';
import { codexRestartOp } from './ops/codex/restart.js';
import { daemonStatusOp } from './ops/daemon/status.js';
import { deliveryGetOp } from './ops/delivery/get.js';
import { deliveryReconcileOp } from './ops/delivery/reconcile.js';
import { deliveryRetryOp } from './ops/delivery/retry.js';
import { goalClearOp } from './ops/goal/clear.js';
import { goalSetOp } from './ops/goal/set.js';
import { goalStatusOp } from './ops/goal/status.js';
import { inboxAckOp } from './ops/inbox/ack.js';
import { inboxListOp } from './ops/inbox/list.js';
import { inboxReadOp } from './ops/inbox/read.js';
import { laneArchiveOp } from './ops/lane/archive.js';
import { laneAttachOp } from './ops/lane/attach.js';
import { laneCompactOp } from './ops/lane/compact.js';
import { laneDiscoverOp } from './ops/lane/discover.js';
import { laneForkOp } from './ops/lane/fork.js';
import { laneGetOp } from './ops/lane/get.js';
import { laneListOp } from './ops/lane/list.js';
import { laneOpenOp } from './ops/lane/open.js';
import { laneReadOp } from './ops/lane/read.js';
import { laneRenameOp } from './ops/lane/rename.js';
import { laneRestoreOp } from './ops/lane/restore.js';
import { laneRollbackOp } from './ops/lane/rollback.js';
import { laneTailOp } from './ops/lane/tail.js';
import { laneWatchOp } from './ops/lane/watch.js';
import { laneWaitOp } from './ops/lane/wait.js';
import { eventsOp } from './ops/events.js';
import { fleetStatusOp } from './ops/fleet/status.js';
import { newOp } from './ops/new.js';
import { queueCancelOp } from './ops/queue/cancel.js';
import { queueReleaseOp } from './ops/queue/release.js';
import { queueListOp } from './ops/queue/list.js';
import { requestListOp } from './ops/request/list.js';
import { requestRespondOp } from './ops/request/respond.js';
import { sendOp } from './ops/send.js';
import { stopOp } from './ops/stop.js';
import { subscribeOp } from './ops/subscribe.js';
import { triggerAddOp } from './ops/trigger/add.js';
import { triggerListOp } from './ops/trigger/list.js';
import { triggerPauseOp } from './ops/trigger/pause.js';
import { triggerResumeOp } from './ops/trigger/resume.js';
import { triggerRmOp } from './ops/trigger/rm.js';
import { usageOp } from './ops/usage.js';

/**
 * Every op, in registration order. An op's name is its command words joined by '.', and its contract
 * and handler live at the same path (`trigger.add`: contracts/ops/trigger/add.ts, core/handlers/trigger/add.ts).
 * Examples assume a registry holding one owned idle lane, @alpha. The daemon, the CLI and the MCP server are all derived from this.
 */
export const ops = {
  'lane.open': laneOpenOp,
  new: newOp,
  'lane.attach': laneAttachOp,
  send: sendOp,
  stop: stopOp,
  'lane.get': laneGetOp,
  'lane.rename': laneRenameOp,
  'lane.tail': laneTailOp,
  'lane.watch': laneWatchOp,
  'lane.list': laneListOp,
  'lane.discover': laneDiscoverOp,
  'lane.archive': laneArchiveOp,
  'lane.restore': laneRestoreOp,
  'goal.status': goalStatusOp,
  'goal.set': goalSetOp,
  'goal.clear': goalClearOp,
  'lane.fork': laneForkOp,
  'lane.rollback': laneRollbackOp,
  'lane.compact': laneCompactOp,
  'daemon.status': daemonStatusOp,
  'daemon.log': daemonLogOp,
  'codex.restart': codexRestartOp,
  'trigger.add': triggerAddOp,
  'trigger.list': triggerListOp,
  'trigger.rm': triggerRmOp,
  'trigger.pause': triggerPauseOp,
  'trigger.resume': triggerResumeOp,
  'delivery.get': deliveryGetOp,
  'delivery.reconcile': deliveryReconcileOp,
  'queue.list': queueListOp,
  'queue.cancel': queueCancelOp,
  'queue.release': queueReleaseOp,
  'request.list': requestListOp,
  'request.respond': requestRespondOp,
  subscribe: subscribeOp,
  'inbox.list': inboxListOp,
  'inbox.read': inboxReadOp,
  'inbox.ack': inboxAckOp,
  events: eventsOp,
  'delivery.retry': deliveryRetryOp,
  attention: attentionOp,
  'lane.read': laneReadOp,
  'lane.wait': laneWaitOp,
  usage: usageOp,
  'fleet.status': fleetStatusOp,
} as const;

export type Ops = typeof ops;
export type OpName = keyof Ops;

/**
 * The names ops had before they were named after their command words. The control socket and MCP
 * still accept them, so nothing scripted against an older dispatch breaks; nothing else uses them.
 */
export const opAliases: Readonly<Record<string, OpName>> = {
  open: 'lane.open',
  attach: 'lane.attach',
  show: 'lane.get',
  'lane-rename': 'lane.rename',
  transcript: 'lane.tail',
  watch: 'lane.watch',
  roster: 'lane.list',
  discover: 'lane.discover',
  archive: 'lane.archive',
  restore: 'lane.restore',
  'goal-get': 'goal.status',
  'goal-set': 'goal.set',
  'goal-clear': 'goal.clear',
  fork: 'lane.fork',
  rollback: 'lane.rollback',
  compact: 'lane.compact',
  status: 'daemon.status',
  log: 'daemon.log',
  'trigger-add': 'trigger.add',
  'trigger-list': 'trigger.list',
  'trigger-rm': 'trigger.rm',
  'trigger-pause': 'trigger.pause',
  'trigger-resume': 'trigger.resume',
  'delivery-get': 'delivery.get',
  'delivery-reconcile': 'delivery.reconcile',
  'queue-list': 'queue.list',
  'queue-cancel': 'queue.cancel',
  'request-list': 'request.list',
  'request-respond': 'request.respond',
  'inbox-list': 'inbox.list',
  'inbox-read': 'inbox.read',
  'inbox-ack': 'inbox.ack',
};

export const opList: readonly OpContract[] = Object.values(ops);

/** The op a name stands for: an op name as it is, or the op an old name now is. */
export function canonicalOpName(name: string): OpName | undefined {
  if (Object.hasOwn(ops, name)) return name as OpName;
  return Object.hasOwn(opAliases, name) ? opAliases[name] : undefined;
}

/** The contract of an op by its name or an old alias of it. */
export function findOp(name: string): OpContract | undefined {
  const canonical = canonicalOpName(name);
  return canonical === undefined ? undefined : ops[canonical];
}

export type { OpContract, OpInput, OpOutput, Intent, OpGroup, CliRoute, OpExample } from './defineOp.js';
export { defineOp, inputJsonSchema, outputJsonSchema, inputSchemaHash } from './defineOp.js';
