import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError } from '@cordon/errors';
import { apiTokenHash } from './api-token-format';
import { MaintainerIdentity } from './maintainer.entity';

/**
 * The maintainer a bearer token acts for: the token unrevoked, its maintainer still active.
 * One statement checks both and records the use.
 */
@Injectable()
export class AuthenticateApiToken {
  constructor(private readonly dataSource: DataSource) {}

  async execute(presented: string): Promise<MaintainerIdentity> {
    const hash = apiTokenHash(presented);
    const result = hash
      ? ((await this.dataSource.query(
          `UPDATE api_token t SET last_used_at = now()
           FROM maintainer m
           WHERE t.hash = $1 AND t.revoked_at IS NULL AND m.id = t.maintainer_id AND m.status = 'active'
           RETURNING m.id, m.name, m.email`,
          [hash],
        )) as [MaintainerIdentity[], number])
      : undefined;
    const maintainer = result?.[0]?.[0];
    if (!maintainer) {
      throw new DomainError('NOT_AUTHENTICATED', 'Send a valid, unrevoked API token: Authorization: Bearer cordon_...');
    }
    return { id: maintainer.id, name: maintainer.name, email: maintainer.email };
  }
}
