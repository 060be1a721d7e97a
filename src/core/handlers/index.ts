import { handleAttention } from './attention.js';
import { handleDaemonLog } from './daemon/log.js';
import { handleCodexRestart } from './codex/restart.js';
import { handleDaemonStatus } from './daemon/status.js';
import { handleDeliveryGet } from './delivery/get.js';
import { handleDeliveryReconcile } from './delivery/reconcile.js';
import { handleDeliveryRetry } from './delivery/retry.js';
import { handleGoalClear } from './goal/clear.js';
import { handleGoalSet } from './goal/set.js';
import { handleGoalStatus } from './goal/status.js';
import { handleInboxAck } from './inbox/ack.js';
import { handleInboxList } from './inbox/list.js';
import { handleInboxRead } from './inbox/read.js';
import { handleLaneArchive } from './lane/archive.js';
import { handleLaneAttach } from './lane/attach.js';
import { handleLaneCompact } from './lane/compact.js';
import { handleLaneDiscover } from './lane/discover.js';
import { handleLaneFork } from './lane/fork.js';
import { handleLaneGet } from './lane/get.js';
import { handleLaneList } from './lane/list.js';
import { handleLaneOpen } from './lane/open.js';
import { handleLaneRead } from './lane/read.js';
import { handleLaneRename } from './lane/rename.js';
import { handleLaneRestore } from './lane/restore.js';
import { handleLaneRollback } from './lane/rollback.js';
import { handleLaneTail } from './lane/tail.js';
import { handleLaneWatch } from './lane/watch.js';
import { handleLaneWait } from './lane/wait.js';
import { handleEvents } from './events.js';
import { handleFleetStatus } from './fleet/status.js';
import { handleNew } from './new.js';
import { handleQueueCancel } from './queue/cancel.js';
import { handleQueueRelease } from './queue/release.js';
import { handleQueueList } from './queue/list.js';
import { handleRequestList } from './request/list.js';
import { handleRequestRespond } from './request/respond.js';
import { handleSend } from './send.js';
import { handleStop } from './stop.js';
import { handleSubscribe } from './subscribe.js';
import { handleTriggerAdd } from './trigger/add.js';
import { handleTriggerList } from './trigger/list.js';
import { handleTriggerPause } from './trigger/pause.js';
import { handleTriggerResume } from './trigger/resume.js';
import { handleTriggerRm } from './trigger/rm.js';
import { handleUsage } from './usage.js';
import type { HandlerMap } from './types.js';

/** One handler per op contract, each in the file of the op's contract path; the type makes a missing one a compile error. */
export const handlers: HandlerMap = {
  'lane.open': handleLaneOpen,
  new: handleNew,
  'lane.attach': handleLaneAttach,
  send: handleSend,
  stop: handleStop,
  'lane.get': handleLaneGet,
  'lane.rename': handleLaneRename,
  'lane.tail': handleLaneTail,
  'lane.watch': handleLaneWatch,
  'lane.list': handleLaneList,
  'lane.discover': handleLaneDiscover,
  'lane.archive': handleLaneArchive,
  'lane.restore': handleLaneRestore,
  'goal.status': handleGoalStatus,
  'goal.set': handleGoalSet,
  'goal.clear': handleGoalClear,
  'lane.fork': handleLaneFork,
  'lane.rollback': handleLaneRollback,
  'lane.compact': handleLaneCompact,
  'daemon.status': handleDaemonStatus,
  'daemon.log': handleDaemonLog,
  'codex.restart': handleCodexRestart,
  'trigger.add': handleTriggerAdd,
  'trigger.list': handleTriggerList,
  'trigger.rm': handleTriggerRm,
  'trigger.pause': handleTriggerPause,
  'trigger.resume': handleTriggerResume,
  'delivery.get': handleDeliveryGet,
  'delivery.reconcile': handleDeliveryReconcile,
  'queue.list': handleQueueList,
  'queue.cancel': handleQueueCancel,
  'queue.release': handleQueueRelease,
  'request.list': handleRequestList,
  'request.respond': handleRequestRespond,
  subscribe: handleSubscribe,
  'inbox.list': handleInboxList,
  'inbox.read': handleInboxRead,
  'inbox.ack': handleInboxAck,
  events: handleEvents,
  'delivery.retry': handleDeliveryRetry,
  attention: handleAttention,
  'lane.read': handleLaneRead,
  'lane.wait': handleLaneWait,
  usage: handleUsage,
  'fleet.status': handleFleetStatus,
};

export type { Handler, HandlerMap } from './types.js';
