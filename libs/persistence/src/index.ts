export { openDatabase, migrate, Database, DatabaseOptions, DatabaseUnreachableError } from './data-source';
export { DataDirLock, DataDirInUseError, dataDirHolder } from './data-dir-lock';
export { PersistenceModule, DATABASE } from './persistence.module';
export { AnswerFromAbove } from './answer-from-above';
export { WAKE_CHANNELS, WakeChannel } from './wake-channels';
export { QueueWakeups, Wakeable, Backoff } from './queue-wakeups';
export { ProcessRegistry, ProcessRegistryOptions, HEARTBEAT_MS, TAKEOVER_AFTER_MS } from './process-registry';
export { leaseOwnerGone, ownerRegistered } from './lease-owners';
