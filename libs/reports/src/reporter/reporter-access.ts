import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { hashToken } from '@cordon/crypto';
import { DomainError } from '@cordon/errors';
import { Report } from '../report.entity';

// newToken's tokens: 32 bytes, base64url.
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/**
 * The reporter's link (issue 13): a capability, looked up by its token's hash. It lasts as long as
 * the report: a reporter comes back over weeks, and every mail it is sent carries the same link.
 */
@Injectable()
export class ReporterAccess {
  constructor(private readonly dataSource: DataSource) {}

  async open(token: string): Promise<string> {
    const report =
      typeof token === 'string' && TOKEN.test(token)
        ? await this.dataSource.manager.findOne(Report, {
            select: { id: true },
            where: { accessTokenHash: hashToken(token) },
          })
        : null;
    if (!report)
      throw new DomainError(
        'NOT_FOUND',
        'This link is not valid. Use the link from your last message about the report.',
      );
    return report.id;
  }
}
