export { openRuntime, coreModules, Runtime, allEntities } from './runtime';
export { initialise, InitialiseResult, migrateSchema } from './initialise';
export { writeBackup, BackupEncryption, BackupSummary } from './backup/write-backup';
export { restoreBackup, BackupDecryption, RestoreSummary } from './backup/restore-backup';
export { startWatchdog, Watchdog } from './watchdog';
