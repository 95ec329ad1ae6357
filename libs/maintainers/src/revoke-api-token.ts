import { Injectable } from '@nestjs/common';
import { DataSource, IsNull } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { DomainError } from '@cordon/errors';
import { ApiToken } from './api-token.entity';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const notFound = () => new DomainError('NOT_FOUND', 'You have no such active API token.');

/** Revokes one of the maintainer's own tokens; it stops working at once. */
@Injectable()
export class RevokeApiToken {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
  ) {}

  async execute(maintainerId: string, tokenId: string): Promise<void> {
    if (!UUID.test(tokenId)) throw notFound();
    await this.dataSource.transaction(async (manager) => {
      // Another maintainer's token is "not found" too: a maintainer manages only their own.
      const result = await manager.update(
        ApiToken,
        { id: tokenId, maintainerId, revokedAt: IsNull() },
        { revokedAt: new Date() },
      );
      if (!result.affected) throw notFound();
      await this.audit.append(manager, {
        actor: `maintainer:${maintainerId}`,
        action: 'api_token.revoked',
        subject: `api_token:${tokenId}`,
      });
    });
  }
}
