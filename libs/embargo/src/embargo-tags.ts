import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { EmbargoStatus } from './embargo.entity';

/** An embargo as a `[EMB-n]` tag names it. */
export interface TaggedEmbargo {
  id: string;
  number: number;
  status: EmbargoStatus;
  /** Lifted or broken: what it kept back is out. */
  ended: boolean;
}

interface Row {
  id: string;
  number: number;
  status: EmbargoStatus;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const tagged = (row: Row): TaggedEmbargo => ({
  id: row.id,
  number: Number(row.number),
  status: row.status,
  ended: row.status !== 'active',
});

/**
 * Which embargo a subject's `[EMB-n]` tag names, and which tag an embargo has: for the relay's
 * posts, answers and leak reports by mail, which name the embargo table only through here
 * (docs/architecture.md, Layout).
 */
@Injectable()
export class EmbargoTags {
  /** The embargo numbered n, or null when there is none. */
  async named(manager: EntityManager, number: number): Promise<TaggedEmbargo | null> {
    const [row] = (await manager.query('SELECT id, number, status FROM embargo WHERE number = $1', [number])) as Row[];
    return row ? tagged(row) : null;
  }

  /** The embargoes with these ids, by id; an id that is no embargo's is left out. */
  async byIds(manager: EntityManager, ids: Iterable<string>): Promise<Map<string, TaggedEmbargo>> {
    const wanted = [...new Set(ids)].filter((id) => UUID.test(id));
    if (!wanted.length) return new Map();
    const rows = (await manager.query('SELECT id, number, status FROM embargo WHERE id = ANY($1::uuid[])', [
      wanted,
    ])) as Row[];
    return new Map(rows.map((row) => [row.id, tagged(row)]));
  }
}
