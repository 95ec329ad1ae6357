import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { DomainError } from '@cordon/errors';
import { ApplicationComment } from '../entities/application-comment.entity';
import { Application } from '../entities/application.entity';

/** An internal note by a maintainer; the applicant never sees it. */
@Injectable()
export class CommentOnApplication {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
  ) {}

  async execute(applicationId: string, maintainerId: string, body: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      if (!(await manager.existsBy(Application, { id: applicationId }))) {
        throw new DomainError('NOT_FOUND', 'There is no such application.');
      }
      const id = randomUUID();
      await manager.insert(ApplicationComment, { id, applicationId, maintainerId, body, at: new Date() });
      await this.audit.append(manager, {
        actor: `maintainer:${maintainerId}`,
        action: 'application.commented',
        subject: `application:${applicationId}`,
        details: { commentId: id },
      });
    });
  }
}
