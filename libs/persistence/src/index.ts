export { openDatabase, migrate, Database, DatabaseOptions } from './data-source';
export { DataDirLock, DataDirInUseError } from './data-dir-lock';
export { PersistenceModule, DATABASE } from './persistence.module';
