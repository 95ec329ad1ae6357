import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { OneTimeLinks } from '@cordon/crypto';
import { invalidEnrolmentLink } from './refusals';
import { lockMaintainer } from './login-throttle';
import { Maintainer } from './maintainer.entity';
import { checkPasswordPolicy, hashPassword } from './password';

/**
 * Sets an invited maintainer's password through the one-time enrolment link. The link is used up
 * in the same transaction as the password is stored, so a link works once, and a refused
 * password leaves the link usable.
 */
@Injectable()
export class CompleteEnrolment {
  constructor(
    private readonly dataSource: DataSource,
    private readonly links: OneTimeLinks,
    private readonly audit: AuditLog,
  ) {}

  async execute(token: string, password: string): Promise<void> {
    checkPasswordPolicy(password);
    // argon2 takes tens of milliseconds: hash before the transaction, not while holding the connection.
    const passwordHash = await hashPassword(password);
    await this.dataSource.transaction(async (manager) => {
      const id = await this.links.consume(manager, 'maintainer_enrol', token);
      const maintainer = await lockMaintainer(manager, id);
      if (!maintainer || maintainer.status !== 'invited') {
        throw invalidEnrolmentLink();
      }
      await manager.update(Maintainer, { id }, { passwordHash });
      await this.audit.append(manager, {
        actor: `maintainer:${id}`,
        action: 'maintainer.password_set',
        subject: `maintainer:${id}`,
      });
    });
  }
}
