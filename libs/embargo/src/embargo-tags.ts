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

/** What every copy of an embargo's post says of its terms (issue 14): read when the post is sealed. */
export interface EmbargoTerms {
  id: string;
  number: number;
  title: string;
  /** The agreed public moment, and the IANA zone it was agreed in. */
  publicAt: Date;
  timeZone: string;
  cveIds: string[];
}

/** An active embargo's tag and title, as a maintainer picks from them. */
export interface ActiveTag {
  number: number;
  title: string;
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

  /** The terms of the embargo with this id, or null when there is none. */
  async terms(manager: EntityManager, id: string): Promise<EmbargoTerms | null> {
    if (!UUID.test(id)) return null;
    const [row] = (await manager.query(
      'SELECT id, number, title, public_at, time_zone, cve_ids FROM embargo WHERE id = $1',
      [id],
    )) as {
      id: string;
      number: number;
      title: string;
      public_at: Date | string;
      time_zone: string;
      cve_ids: string[];
    }[];
    if (!row) return null;
    return {
      id: row.id,
      number: Number(row.number),
      title: row.title,
      publicAt: new Date(row.public_at),
      timeZone: row.time_zone,
      cveIds: row.cve_ids ?? [],
    };
  }

  /** The active embargoes' tags and titles, lowest number first. */
  async active(manager: EntityManager): Promise<ActiveTag[]> {
    const rows = (await manager.query(
      "SELECT number, title FROM embargo WHERE status = 'active' ORDER BY number",
    )) as ActiveTag[];
    return rows.map((row) => ({ number: Number(row.number), title: row.title }));
  }
}
