import { Inject, Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { SETTINGS, Settings } from '@cordon/config';
import { Outbox } from '@cordon/delivery';
import { DomainError } from '@cordon/errors';
import { Maintainer } from './maintainer.entity';
import { FORGET_AFTER_MS, MAX_WAIT_SECONDS } from './login-throttle';

/** A maintainer hears of failed logins at most this often (there is no maintainer digest to carry them). */
export const NOTICE_INTERVAL_MS = 60 * 60_000;

interface UnreportedRow {
  address: string;
  unreported_passwords: number;
  unreported_codes: number;
  first_unreported_at: Date;
  last_failed_at: Date;
}

/**
 * Tells a maintainer, encrypted to its key, that logins to its account failed: from which
 * addresses, how often, at which step. Sent from the transaction that counts a failure, once the
 * failures not yet told add up to LOGIN_MAX_ATTEMPTS, and at most once an hour per account, so a
 * stranger guessing all day makes one mail an hour, not one per guess. What happens within the
 * hour goes in the next notice, with the next failure after it.
 */
@Injectable()
export class LoginFailureNotices {
  private readonly logger = new Logger('login');

  constructor(
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly outbox: Outbox,
  ) {}

  /** Returns whether a notice was queued. */
  async afterFailure(manager: EntityManager, maintainer: Maintainer, now: Date): Promise<boolean> {
    if (maintainer.status === 'disabled') return false;
    const last = maintainer.failedLoginsReportedAt;
    if (last && now.getTime() - last.getTime() < NOTICE_INTERVAL_MS) return false;
    const rows = (await manager.query(
      `SELECT address, unreported_passwords, unreported_codes, first_unreported_at, last_failed_at
       FROM login_throttle WHERE maintainer_id = $1 AND unreported_passwords + unreported_codes > 0
       ORDER BY unreported_passwords + unreported_codes DESC, address`,
      [maintainer.id],
    )) as UnreportedRow[];
    const total = rows.reduce((sum, row) => sum + row.unreported_passwords + row.unreported_codes, 0);
    if (total < this.settings.LOGIN_MAX_ATTEMPTS) return false;

    // Marked as told even when the mail cannot be sealed, so a stale key does not make every later
    // failure try again; the counts stay for the next notice.
    await manager.update(Maintainer, { id: maintainer.id }, { failedLoginsReportedAt: now });
    try {
      await this.outbox.send(manager, {
        purpose: 'maintainer.login_failures',
        to: maintainer.email,
        recipientKey: maintainer.keyArmored,
        subject: `Failed logins to your account on ${this.settings.LIST_NAME}`,
        text: this.text(rows),
      });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      this.logger.warn(`login failure notice not sent to a maintainer whose key cannot take mail (${error.code})`);
      return false;
    }
    await manager.query(
      `UPDATE login_throttle SET unreported_passwords = 0, unreported_codes = 0, first_unreported_at = NULL
       WHERE maintainer_id = $1`,
      [maintainer.id],
    );
    // Pairs with nothing left to tell and nothing left to count are gone.
    await manager.query(
      `DELETE FROM login_throttle WHERE maintainer_id = $1 AND (failures = 0 OR last_failed_at < $2)`,
      [maintainer.id, new Date(now.getTime() - FORGET_AFTER_MS)],
    );
    return true;
  }

  private text(rows: UnreportedRow[]): string {
    const when = (date: Date) => `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
    const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;
    const lines = rows.map((row) => {
      const what = [
        row.unreported_passwords ? plural(row.unreported_passwords, 'wrong password') : '',
        row.unreported_codes ? plural(row.unreported_codes, 'wrong code') : '',
      ].filter(Boolean);
      return `  ${row.address}: ${what.join(', ')}, ${when(row.first_unreported_at)} to ${when(row.last_failed_at)}`;
    });
    const anyCodes = rows.some((row) => row.unreported_codes > 0);
    return [
      `Logins to your maintainer account at ${this.settings.publicUrl}/admin failed, from these addresses:`,
      '',
      ...lines,
      '',
      'If these were you, there is nothing to do. Your account was not locked: each address that',
      `fails ${this.settings.LOGIN_MAX_ATTEMPTS} times has to wait before it may try again, longer after each further failure`,
      `(up to ${MAX_WAIT_SECONDS / 60} minutes), while you can still log in from your own address.`,
      ...(anyCodes
        ? [
            '',
            'A wrong code means that whoever tried knew your password. If that was not you, tell the',
            'other maintainers at once: your account is protected only by your authenticator now.',
          ]
        : []),
      '',
      `You get this notice at most once an hour; failures after it are in the next one.`,
    ].join('\n');
  }
}
