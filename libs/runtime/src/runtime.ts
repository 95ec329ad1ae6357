import { DynamicModule } from '@nestjs/common';
import { auditChainKey, AuditModule, auditEntities } from '@cordon/audit';
import { ConfigModule, Settings } from '@cordon/config';
import { CryptoModule, cryptoEntities, ServerSecret } from '@cordon/crypto';
import { Database, openDatabase, PersistenceModule } from '@cordon/persistence';
import { allFeatureEntities } from './entities';

/**
 * What a process opens before Nest starts, once, whatever it runs (the roles of `cordon serve`, or
 * one CLI command): the validated settings, the database and the server secret. apps/cordon hands
 * it to `coreModules`.
 */
export interface Runtime {
  settings: Settings;
  database: Database;
  secret: ServerSecret;
}

export const allEntities = [...auditEntities, ...cryptoEntities, ...allFeatureEntities];

export async function openRuntime(settings: Settings): Promise<Runtime> {
  const secret = ServerSecret.loadOrCreate(settings.secretKeyFile);
  const database = await openDatabase({
    databaseUrl: settings.DATABASE_URL,
    dataDir: settings.dataDir,
    entities: allEntities,
  });
  return { settings, database, secret };
}

/**
 * The global modules every Nest container of apps/cordon imports: settings, database, crypto
 * (list key, secret), audit log (keyed with a key derived from the server secret).
 */
export function coreModules(runtime: Runtime): DynamicModule[] {
  return [
    ConfigModule.forRoot(runtime.settings),
    PersistenceModule.forDatabase(runtime.database),
    CryptoModule.forSecret(runtime.secret),
    AuditModule.forKey(auditChainKey(runtime.secret)),
  ];
}
