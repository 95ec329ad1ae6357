import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/** A key that may sign a post, and whose it is. */
export interface MaintainerSigningKey {
  maintainerId: string;
  keyArmored: string;
}

/**
 * Who may post to the list (docs/architecture.md, invariant 3): the maintainers the operator has
 * added (`invited`, enrolled in the admin UI or not: a list run by mail alone has maintainers who
 * never sign in) or who are `active`; never a disabled or removed one. The relay names the
 * maintainer table only through here and MaintainerLookup.
 */
@Injectable()
export class PostingMaintainerKeys {
  async list(manager: EntityManager): Promise<MaintainerSigningKey[]> {
    const rows = (await manager.query(
      `SELECT id, key_armored FROM maintainer WHERE status IN ('invited', 'active')`,
    )) as {
      id: string;
      key_armored: string;
    }[];
    return rows.map((row) => ({ maintainerId: row.id, keyArmored: row.key_armored }));
  }

  /** Whether this address (compared without case) is a maintainer's who may post. */
  async hasAddress(manager: EntityManager, address: string): Promise<boolean> {
    const rows = (await manager.query(
      `SELECT 1 FROM maintainer WHERE lower(email) = lower($1) AND status IN ('invited', 'active') LIMIT 1`,
      [address],
    )) as unknown[];
    return rows.length > 0;
  }
}
