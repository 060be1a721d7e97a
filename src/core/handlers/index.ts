import { handleLog, handleStatus } from './daemon.js';
import { handleInboxAck, handleInboxList, handleInboxRead, handleSubscribe } from './inbox.js';
import { handleGoalClear, handleGoalGet, handleGoalSet } from './goals.js';
import { handleTranscript, handleWatch } from './history.js';
import {
  handleArchive,
  handleAttach,
  handleCompact,
  handleDiscover,
  handleFork,
  handleLaneRename,
  handleNew,
  handleOpen,
  handleRestore,
  handleRollback,
  handleRoster,
  handleShow,
} from './lanes.js';
import { handleDeliveryGet, handleDeliveryReconcile, handleQueueCancel, handleQueueList, handleSend, handleStop } from './send.js';
import { handleRequestList, handleRequestRespond } from './requests.js';
import { handleTriggerAdd, handleTriggerList, handleTriggerPause, handleTriggerResume, handleTriggerRm } from './triggers.js';
import type { HandlerMap } from './types.js';

/** One handler per op contract; the type makes a missing one a compile error. */
export const handlers: HandlerMap = {
  open: handleOpen,
  new: handleNew,
  attach: handleAttach,
  send: handleSend,
  stop: handleStop,
  show: handleShow,
  'lane-rename': handleLaneRename,
  transcript: handleTranscript,
  watch: handleWatch,
  roster: handleRoster,
  discover: handleDiscover,
  archive: handleArchive,
  restore: handleRestore,
  'goal-get': handleGoalGet,
  'goal-set': handleGoalSet,
  'goal-clear': handleGoalClear,
  fork: handleFork,
  rollback: handleRollback,
  compact: handleCompact,
  status: handleStatus,
  log: handleLog,
  'trigger-add': handleTriggerAdd,
  'trigger-list': handleTriggerList,
  'trigger-rm': handleTriggerRm,
  'trigger-pause': handleTriggerPause,
  'trigger-resume': handleTriggerResume,
  'delivery-get': handleDeliveryGet,
  'delivery-reconcile': handleDeliveryReconcile,
  'queue-list': handleQueueList,
  'queue-cancel': handleQueueCancel,
  'request-list': handleRequestList,
  'request-respond': handleRequestRespond,
  subscribe: handleSubscribe,
  'inbox-list': handleInboxList,
  'inbox-read': handleInboxRead,
  'inbox-ack': handleInboxAck,
};

export type { Handler, HandlerMap } from './types.js';
