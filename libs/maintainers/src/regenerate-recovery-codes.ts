import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { DomainError } from '@cordon/errors';
import { FreshCode } from './fresh-code';
import { issueRecoveryCodes, RECOVERY_CODE_COUNT } from './recovery-codes';

/**
 * A maintainer makes new recovery codes (all used up, or the paper lost): only with a current code
 * from its authenticator app, so a stolen session alone cannot mint a way back in. Every earlier
 * code stops working in the same transaction. A wrong code changes nothing but the slow-down count.
 */
@Injectable()
export class RegenerateRecoveryCodes {
  constructor(
    private readonly dataSource: DataSource,
    private readonly freshCode: FreshCode,
    private readonly audit: AuditLog,
  ) {}

  /** Returns the new codes in clear, for the page to show once. */
  async execute(maintainerId: string, code: string | undefined, clientAddress: string | undefined): Promise<string[]> {
    const outcome = await this.dataSource.transaction(async (manager) => {
      const refused = await this.freshCode.check(manager, maintainerId, code, clientAddress);
      if (refused) return refused;
      const codes = await issueRecoveryCodes(manager, maintainerId);
      const subject = `maintainer:${maintainerId}`;
      await this.audit.append(manager, {
        actor: subject,
        action: 'maintainer.recovery_codes_issued',
        subject,
        details: { count: RECOVERY_CODE_COUNT, replaced: true },
      });
      return codes;
    });
    // Thrown after the commit, so the failure count and its audit entry are kept.
    if (outcome instanceof DomainError) throw outcome;
    return outcome;
  }
}
