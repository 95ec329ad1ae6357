import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { MaintainerStatus } from './maintainer.entity';

export interface MaintainerOutline {
  id: string;
  name: string;
  status: MaintainerStatus;
}

/** Where a maintainer is written to: its address and the key its mail is encrypted to. */
export interface MaintainerMailbox {
  email: string;
  keyArmored: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const mailboxOf = (row: { email: string; key_armored: string }): MaintainerMailbox => ({
  email: row.email,
  keyArmored: row.key_armored,
});

/**
 * Maintainers as the libs above this one show, check or write to them beside their own records
 * (who commented, who triaged, who released an answer, the pre-flight summary, whether an address
 * is a maintainer's), and who hears the maintainers' mail: they name the maintainer table only
 * through here and PostingMaintainerKeys (docs/architecture.md, Layout).
 */
@Injectable()
export class MaintainerLookup {
  /** The maintainers with these ids (any status); an id that is no maintainer's is left out. */
  async byIds(manager: EntityManager, ids: Iterable<string>): Promise<Map<string, MaintainerOutline>> {
    const wanted = [...new Set(ids)].filter((id) => UUID.test(id));
    if (!wanted.length) return new Map();
    const rows = (await manager.query('SELECT id, name, status FROM maintainer WHERE id = ANY($1::uuid[])', [
      wanted,
    ])) as MaintainerOutline[];
    return new Map(rows.map((row) => [row.id, row]));
  }

  /** The names of the maintainers among audit actors (`maintainer:<id>`), by actor. */
  async namesOfActors(manager: EntityManager, actors: Iterable<string>): Promise<Map<string, string>> {
    const ids = [...actors].filter((actor) => actor.startsWith('maintainer:')).map((actor) => actor.slice(11));
    const found = await this.byIds(manager, ids);
    return new Map([...found.values()].map((m) => [`maintainer:${m.id}`, m.name]));
  }

  /** Whether the maintainer with this id is active. */
  async isActive(manager: EntityManager, maintainerId: string): Promise<boolean> {
    return (await this.byIds(manager, [maintainerId])).get(maintainerId)?.status === 'active';
  }

  /** The maintainers that hear the list's mail: active, or added and not yet enrolled (it may post). */
  async mailboxes(manager: EntityManager): Promise<MaintainerMailbox[]> {
    const rows = (await manager.query(
      `SELECT email, key_armored FROM maintainer WHERE status IN ('invited', 'active') ORDER BY email`,
    )) as { email: string; key_armored: string }[];
    return rows.map(mailboxOf);
  }

  /** The maintainer's mailbox, whatever its status; null for an id that is no maintainer's. */
  async mailbox(manager: EntityManager, maintainerId: string): Promise<MaintainerMailbox | null> {
    if (!UUID.test(maintainerId)) return null;
    const [row] = (await manager.query('SELECT email, key_armored FROM maintainer WHERE id = $1', [maintainerId])) as {
      email: string;
      key_armored: string;
    }[];
    return row ? mailboxOf(row) : null;
  }

  /** Whether a maintainer of any status has this address, compared without case. */
  async anyWithAddress(manager: EntityManager, address: string): Promise<boolean> {
    const rows = (await manager.query('SELECT 1 FROM maintainer WHERE lower(email) = lower($1) LIMIT 1', [
      address,
    ])) as unknown[];
    return rows.length > 0;
  }
}
