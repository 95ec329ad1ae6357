import { auditChainKey, AuditLog } from '@cordon/audit';
import { ListKey } from '@cordon/crypto';
import { migrate } from '@cordon/persistence';
import { AcknowledgementFollowUps, Policies } from '@cordon/policy';
import { Runtime } from './runtime';

export interface InitialiseResult {
  migrationsApplied: string[];
  listKeyFingerprint: string;
  listKeyCreated: boolean;
  policyPublished: boolean;
}

/**
 * The session advisory lock that lets one process at a time initialise: the two-key form
 * ("cord", 1), a key space apart from the audit chain's one-key lock.
 */
const INITIALISE_LOCK = [0x636f7264, 1];

/**
 * What `cordon init` does and every start repeats: apply migrations, seal the audit entries written
 * before the chain was keyed (once, at the first start after that upgrade), create the list key if
 * there is none, publish policy version 1 if there is none. Safe to run any number of times, and at the
 * same time: on PostgreSQL several processes may start at once (a compose file starting every
 * role, `cordon init` beside a running service), and a session advisory lock lets one at a time
 * through, so no migration runs twice and no second list key is made. The embedded database has
 * one process, and one connection the lock would hold.
 */
export async function initialise(runtime: Runtime): Promise<InitialiseResult> {
  return oneAtATime(runtime, () => initialiseNow(runtime));
}

/**
 * What every command but `init` and `serve` does first: apply migrations and seal the entries of
 * an old unkeyed audit log, nothing more. The list key and policy version 1 are made only by those
 * two, so that a command that is refused (a `list-key import` of a key with SHA-1 self-signatures,
 * on a fresh data directory) leaves nothing behind that the next, fixed, attempt would trip over.
 */
export async function migrateSchema(runtime: Runtime): Promise<string[]> {
  return oneAtATime(runtime, async () => {
    const { dataSource } = runtime.database;
    const migrationsApplied = await migrate(dataSource);
    const audit = new AuditLog(auditChainKey(runtime.secret));
    await dataSource.transaction((manager) => audit.sealLegacyEntries(manager));
    return migrationsApplied;
  });
}

async function oneAtATime<T>(runtime: Runtime, work: () => Promise<T>): Promise<T> {
  if (runtime.database.embedded) return work();
  const runner = runtime.database.dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1, $2)', INITIALISE_LOCK);
    return await work();
  } finally {
    // Releasing the connection does not end its session: unlock explicitly.
    await runner.query('SELECT pg_advisory_unlock($1, $2)', INITIALISE_LOCK).catch(() => undefined);
    await runner.release();
  }
}

async function initialiseNow(runtime: Runtime): Promise<InitialiseResult> {
  const { dataSource } = runtime.database;
  const migrationsApplied = await migrate(dataSource);
  const audit = new AuditLog(auditChainKey(runtime.secret));
  const listKey = new ListKey(dataSource, runtime.settings, runtime.secret);
  // Only ensurePublished is used here: no acknowledgement, so no follow-up is registered.
  const policies = new Policies(dataSource, audit, new AcknowledgementFollowUps());
  return dataSource.transaction(async (manager) => {
    // Before anything else is appended: the seal must be the first keyed entry after the old ones.
    await audit.sealLegacyEntries(manager);
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
