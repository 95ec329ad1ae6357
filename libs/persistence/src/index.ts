export { openDatabase, migrate, Database, DatabaseOptions, DatabaseUnreachableError } from './data-source';
export { DataDirLock, DataDirInUseError, dataDirHolder } from './data-dir-lock';
export { PersistenceModule, DATABASE } from './persistence.module';
export { AnswerFromAbove } from './answer-from-above';
export { WAKE_CHANNELS, WakeChannel } from './wake-channels';
