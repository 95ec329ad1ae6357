import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ApiToken } from './api-token.entity';

export interface ApiTokenSummary {
  id: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** A maintainer's own API tokens, newest first; never the tokens themselves (only hashes are kept). */
@Injectable()
export class ListApiTokens {
  constructor(private readonly dataSource: DataSource) {}

  async execute(maintainerId: string): Promise<ApiTokenSummary[]> {
    const tokens = await this.dataSource.manager.find(ApiToken, {
      where: { maintainerId },
      order: { createdAt: 'DESC' },
    });
    return tokens.map(({ id, name, createdAt, lastUsedAt, revokedAt }) => ({
      id,
      name,
      createdAt,
      lastUsedAt,
      revokedAt,
    }));
  }
}
