import { EntityManager } from 'typeorm';

/**
 * The number of the version in force, or null when none is published, for readers that only count
 * against it (the operators' metrics): they name the policy tables only through here
 * (docs/architecture.md, Layout). Policies.current() gives the whole version, and refuses when there is none.
 */
export class CurrentPolicyVersion {
  async of(manager: EntityManager): Promise<number | null> {
    const [row] = (await manager.query('SELECT max(version) AS version FROM policy_version')) as {
      version: number | null;
    }[];
    return row?.version ?? null;
  }
}
