export { openStore, quickCheck, SqliteStore } from './db.js';
export type { OpenStoreOptions } from './db.js';
export { LATEST_SCHEMA_VERSION, MIGRATIONS } from './migrations.js';
export type { Migration } from './migrations.js';
export { MAX_AUDIT_DETAIL, SqliteAuditLog } from './auditLog.js';
export { SqliteLaneRepository } from './laneRepository.js';
export { SqliteDeliveryRepository } from './deliveryRepository.js';
export { SqliteTriggerRepository } from './triggerRepository.js';
export { SqliteUsageRepository } from './usageRepository.js';
