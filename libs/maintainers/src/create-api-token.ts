import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { DomainError } from '@cordon/errors';
import { ApiToken } from './api-token.entity';
import { newApiToken } from './api-token-format';

export interface CreatedApiToken {
  id: string;
  name: string;
  /** Shown once; only its hash is stored. */
  token: string;
}

/** A maintainer makes an API token for scripts; the token acts as that maintainer. */
@Injectable()
export class CreateApiToken {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
  ) {}

  async execute(maintainerId: string, name: string): Promise<CreatedApiToken> {
    const label = name.trim();
    if (label.length < 1 || label.length > 100) {
      throw new DomainError(
        'INVALID_INPUT',
        'Name the token (up to 100 characters), e.g. after the script that uses it.',
        'name',
      );
    }
    const { token, hash } = newApiToken();
    const id = randomUUID();
    await this.dataSource.transaction(async (manager) => {
      await manager.insert(ApiToken, {
        id,
        maintainerId,
        name: label,
        hash,
        createdAt: new Date(),
        lastUsedAt: null,
        revokedAt: null,
      });
      await this.audit.append(manager, {
        actor: `maintainer:${maintainerId}`,
        action: 'api_token.created',
        subject: `api_token:${id}`,
        details: { name: label },
      });
    });
    return { id, name: label, token };
  }
}
