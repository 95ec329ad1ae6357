import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditLog } from '@cordon/audit';

/** Logging out ends a session; the audit log records it beside the login (docs/architecture.md, invariant 5). */
@Injectable()
export class RecordLogout {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
  ) {}

  async execute(maintainerId: string): Promise<void> {
    const subject = `maintainer:${maintainerId}`;
    await this.dataSource.transaction((manager) =>
      this.audit.append(manager, { actor: subject, action: 'maintainer.logout', subject }),
    );
  }
}
