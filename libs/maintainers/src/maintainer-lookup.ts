import { EntityManager } from 'typeorm';
import { MaintainerStatus } from './maintainer.entity';

export interface MaintainerOutline {
  id: string;
  name: string;
  status: MaintainerStatus;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Maintainers as the libs above this one show or check them beside their own records (who
 * commented, who triaged), and who hears the maintainers' mail: they name the maintainer table only
 * through here and MaintainerContacts (docs/architecture.md, Layout).
 */
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

  /** The maintainers that hear the list's mail: active, or added and not yet enrolled (it may post). */
  async mailboxes(manager: EntityManager): Promise<{ email: string; keyArmored: string }[]> {
    const rows = (await manager.query(
      `SELECT email, key_armored FROM maintainer WHERE status IN ('invited', 'active') ORDER BY email`,
    )) as { email: string; key_armored: string }[];
    return rows.map((row) => ({ email: row.email, keyArmored: row.key_armored }));
  }
}
