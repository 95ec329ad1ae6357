import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/**
 * The key of the latest application from an address whose key was proven (confirmed), or null:
 * the relay encrypts its one reply to a stranger to it when there is one (issue 5). The relay
 * names the application table only through here (docs/architecture.md, Layout).
 */
@Injectable()
export class ConfirmedApplicantKey {
  async latestFor(manager: EntityManager, address: string): Promise<string | null> {
    const [row] = (await manager.query(
      `SELECT key_armored FROM application WHERE lower(contact_email) = lower($1) AND status <> 'unconfirmed'
       ORDER BY updated_at DESC LIMIT 1`,
      [address],
    )) as { key_armored: string }[];
    return row?.key_armored ?? null;
  }
}
