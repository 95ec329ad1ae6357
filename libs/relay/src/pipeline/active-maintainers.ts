import { EntityManager } from 'typeorm';

/** The active maintainers and their keys: whom the relay tells, each encrypted to its own key. */
export function activeMaintainers(manager: EntityManager): Promise<{ email: string; key_armored: string }[]> {
  return manager.query(`SELECT email, key_armored FROM maintainer WHERE status = 'active' ORDER BY email`);
}
