import { AuditLog } from '@cordon/audit';
import { ListKey } from '@cordon/crypto';
import { HeldMail, Policies } from '@cordon/embargo';
import { migrate } from '@cordon/persistence';
import { Runtime } from './runtime';

export interface InitialiseResult {
  migrationsApplied: string[];
  listKeyFingerprint: string;
  listKeyCreated: boolean;
  policyPublished: boolean;
}

/**
 * What `cordon init` does and every start repeats: apply migrations, create the list key if there
 * is none, publish policy version 1 if there is none. Safe to run any number of times.
 */
export async function initialise(runtime: Runtime): Promise<InitialiseResult> {
  const { dataSource } = runtime.database;
  const migrationsApplied = await migrate(dataSource);
  const audit = new AuditLog();
  const listKey = new ListKey(dataSource, runtime.settings, runtime.secret);
  const policies = new Policies(dataSource, audit, new HeldMail(audit));
  return dataSource.transaction(async (manager) => {
    const key = await listKey.ensure(manager);
    if (key.created) {
      await audit.append(manager, {
        actor: 'system',
        action: 'list_key.created',
        subject: `list_key:${key.fingerprint}`,
        details: { fingerprint: key.fingerprint },
      });
    }
    const policyPublished = await policies.ensurePublished(manager, 'system');
    return { migrationsApplied, listKeyFingerprint: key.fingerprint, listKeyCreated: key.created, policyPublished };
  });
}
