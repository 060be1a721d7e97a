import type { OpContract } from './defineOp.js';
import { archiveOp } from './ops/archive.js';
import { attachOp } from './ops/attach.js';
import { compactOp } from './ops/compact.js';
import { deliveryGetOp } from './ops/deliveryGet.js';
import { deliveryReconcileOp } from './ops/deliveryReconcile.js';
import { discoverOp } from './ops/discover.js';
import { forkOp } from './ops/fork.js';
import { goalClearOp } from './ops/goalClear.js';
import { goalGetOp } from './ops/goalGet.js';
import { goalSetOp } from './ops/goalSet.js';
import { inboxAckOp } from './ops/inboxAck.js';
import { inboxListOp } from './ops/inboxList.js';
import { inboxReadOp } from './ops/inboxRead.js';
import { laneRenameOp } from './ops/laneRename.js';
import { logOp } from './ops/log.js';
import { newOp } from './ops/new.js';
import { openOp } from './ops/open.js';
import { queueCancelOp } from './ops/queueCancel.js';
import { queueListOp } from './ops/queueList.js';
import { requestListOp } from './ops/requestList.js';
import { requestRespondOp } from './ops/requestRespond.js';
import { restoreOp } from './ops/restore.js';
import { rollbackOp } from './ops/rollback.js';
import { rosterOp } from './ops/roster.js';
import { sendOp } from './ops/send.js';
import { showOp } from './ops/show.js';
import { statusOp } from './ops/status.js';
import { subscribeOp } from './ops/subscribe.js';
import { stopOp } from './ops/stop.js';
import { transcriptOp } from './ops/transcript.js';
import { triggerAddOp } from './ops/triggerAdd.js';
import { triggerListOp } from './ops/triggerList.js';
import { triggerPauseOp } from './ops/triggerPause.js';
import { triggerResumeOp } from './ops/triggerResume.js';
import { triggerRmOp } from './ops/triggerRm.js';
import { watchOp } from './ops/watch.js';

/** Every op, in registration order. Examples assume a registry holding one owned idle lane, @alpha. The daemon, the CLI and the MCP server are all derived from this. */
export const ops = {
  open: openOp,
  new: newOp,
  attach: attachOp,
  send: sendOp,
  stop: stopOp,
  show: showOp,
  'lane-rename': laneRenameOp,
  transcript: transcriptOp,
  watch: watchOp,
  roster: rosterOp,
  discover: discoverOp,
  archive: archiveOp,
  restore: restoreOp,
  'goal-get': goalGetOp,
  'goal-set': goalSetOp,
  'goal-clear': goalClearOp,
  fork: forkOp,
  rollback: rollbackOp,
  compact: compactOp,
  status: statusOp,
  log: logOp,
  'trigger-add': triggerAddOp,
  'trigger-list': triggerListOp,
  'trigger-rm': triggerRmOp,
  'trigger-pause': triggerPauseOp,
  'trigger-resume': triggerResumeOp,
  'delivery-get': deliveryGetOp,
  'delivery-reconcile': deliveryReconcileOp,
  'queue-list': queueListOp,
  'queue-cancel': queueCancelOp,
  'request-list': requestListOp,
  'request-respond': requestRespondOp,
  subscribe: subscribeOp,
  'inbox-list': inboxListOp,
  'inbox-read': inboxReadOp,
  'inbox-ack': inboxAckOp,
} as const;

export type Ops = typeof ops;
export type OpName = keyof Ops;

export const opList: readonly OpContract[] = Object.values(ops);

export function findOp(name: string): OpContract | undefined {
  return Object.hasOwn(ops, name) ? ops[name as OpName] : undefined;
}

export type { OpContract, OpInput, OpOutput, Intent, OpGroup, CliRoute, OpExample } from './defineOp.js';
export { defineOp, inputJsonSchema, outputJsonSchema, inputSchemaHash } from './defineOp.js';
