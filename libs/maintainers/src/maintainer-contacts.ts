import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/** Where a maintainer is written to: its address and the key its mail is encrypted to. */
export interface MaintainerMailbox {
  email: string;
  keyArmored: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Maintainers as the relay writes to them or names them beside its own records (the pre-flight
 * summary, who released an answer, whether an address is a maintainer's): it names the
 * maintainer table only through here and PostingMaintainerKeys (docs/architecture.md, Layout).
 */
@Injectable()
export class MaintainerContacts {
  /** The maintainer's mailbox, whatever its status; null for an id that is no maintainer's. */
  async mailbox(manager: EntityManager, maintainerId: string): Promise<MaintainerMailbox | null> {
    if (!UUID.test(maintainerId)) return null;
    const [row] = (await manager.query('SELECT email, key_armored FROM maintainer WHERE id = $1', [maintainerId])) as {
      email: string;
      key_armored: string;
    }[];
    return row ? { email: row.email, keyArmored: row.key_armored } : null;
  }

  async isActive(manager: EntityManager, maintainerId: string): Promise<boolean> {
    if (!UUID.test(maintainerId)) return false;
    const rows = (await manager.query(`SELECT 1 FROM maintainer WHERE id = $1 AND status = 'active'`, [
      maintainerId,
    ])) as unknown[];
    return rows.length > 0;
  }

  /** Whether a maintainer of any status has this address, compared without case. */
  async anyWithAddress(manager: EntityManager, address: string): Promise<boolean> {
    const rows = (await manager.query('SELECT 1 FROM maintainer WHERE lower(email) = lower($1) LIMIT 1', [
      address,
    ])) as unknown[];
    return rows.length > 0;
  }

  /** The names of the maintainers with these ids (any status), by id. */
  async namesByIds(manager: EntityManager, ids: Iterable<string>): Promise<Map<string, string>> {
    const wanted = [...new Set(ids)].filter((id) => UUID.test(id));
    if (!wanted.length) return new Map();
    const rows = (await manager.query('SELECT id, name FROM maintainer WHERE id = ANY($1::uuid[])', [wanted])) as {
      id: string;
      name: string;
    }[];
    return new Map(rows.map((row) => [row.id, row.name]));
  }
}
