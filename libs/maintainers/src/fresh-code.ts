import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { DomainError } from '@cordon/errors';
import { CodeCheck } from './code-check';
import { lockMaintainer, recordSuccess, throttleAddress } from './login-throttle';
import { Maintainer } from './maintainer.entity';
import { loginExpired } from './refusals';

/**
 * Re-authentication before a grave change (adding a maintainer): the acting maintainer enters a
 * current code from its authenticator app, checked exactly as at login (CodeCheck) — a wrong code
 * counts towards the slow-down and is reported, a code already used (at login or here) is refused
 * (RFC 6238 section 5.2). A stolen session cookie or API token alone is then not enough.
 *
 * Runs in the caller's transaction with the maintainer row locked; returns the refusal rather than
 * throwing it, so the caller can commit the failure count and change nothing else.
 */
@Injectable()
export class FreshCode {
  constructor(private readonly codes: CodeCheck) {}

  async check(
    manager: EntityManager,
    maintainerId: string,
    code: string | undefined,
    clientAddress: string | undefined,
  ): Promise<DomainError | null> {
    if (!code?.trim()) {
      return new DomainError(
        'NOT_AUTHENTICATED',
        'Enter the current code from your authenticator app to confirm this.',
        'code',
      );
    }
    const address = throttleAddress(clientAddress);
    const maintainer = await lockMaintainer(manager, maintainerId);
    if (!maintainer || maintainer.status !== 'active' || !maintainer.totpSecretSealed) return loginExpired();
    const verdict = await this.codes.check(manager, maintainer, code, 'reauthentication', address);
    if (verdict instanceof DomainError) return verdict;
    await manager.update(Maintainer, { id: maintainerId }, { totpLastStep: String(verdict.step) });
    await recordSuccess(manager, maintainerId, address);
    return null;
  }
}
