import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { SETTINGS, Settings } from '@cordon/config';
import { OneTimeLinks } from '@cordon/crypto';
import { Outbox } from '@cordon/delivery';
import { DomainError } from '@cordon/errors';
import { FreshCode } from './fresh-code';
import { lockMaintainer } from './login-throttle';
import { Maintainer } from './maintainer.entity';
import { eraseRecoveryCodes } from './recovery-codes';
import { recoveryMail } from './recovery-mail';

/** Who resets: a logged-in maintainer, with a current code of its own, or the operator at the CLI. */
export type TotpResetActor =
  { maintainerId: string; code: string | undefined; clientAddress: string | undefined } | 'cli';

export interface TotpResetRequest {
  /** The maintainer's id (UI, API) or address (CLI). */
  maintainer: { id: string } | { email: string };
  actor: TotpResetActor;
}

export interface TotpReset {
  maintainerId: string;
  name: string;
  email: string;
  tokensRevoked: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function ownResetRefused(): DomainError {
  return new DomainError(
    'FORBIDDEN',
    'You cannot reset your own authenticator: ask another maintainer to do it. If you still have your app, ' +
      'make new recovery codes instead. On a list with one maintainer, the operator runs ' +
      '`cordon maintainer reset-totp <address>`.',
  );
}

/**
 * A maintainer who lost its authenticator app (and its recovery codes) is reset by another
 * maintainer, or by the operator with `cordon maintainer reset-totp`. The reset sends the
 * maintainer through enrolment again rather than keeping its password: its password, TOTP seed and
 * recovery codes are erased, it is 'invited' again, and a new one-time enrolment link goes out
 * encrypted to its key. Keeping the password would let whoever knows it set up a new authenticator
 * at the next login; the link proves the key holder is the one coming back, as at the first
 * enrolment, and reuses that flow whole (README "Maintainers come and go").
 *
 * Its sessions end at once (the session guard and the login steps only let 'active' maintainers
 * in) and its API tokens are revoked, as a disabled maintainer's are: the reset may be because the
 * phone was stolen with the laptop. It still signs posts and hears maintainer mail, as an invited
 * maintainer does. A maintainer cannot reset itself this way: a stolen session plus one code would
 * otherwise be enough to take the account over.
 */
@Injectable()
export class ResetMaintainerTotp {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly freshCode: FreshCode,
    private readonly links: OneTimeLinks,
    private readonly outbox: Outbox,
    private readonly audit: AuditLog,
  ) {}

  async execute(request: TotpResetRequest): Promise<TotpReset> {
    const outcome = await this.dataSource.transaction(async (manager) => {
      const { actor } = request;
      const found = await this.find(manager, request.maintainer);
      // Refused before the code is checked: asking for oneself costs no code and counts nothing.
      if (actor !== 'cli' && found.id === actor.maintainerId) throw ownResetRefused();
      if (actor !== 'cli') {
        // Both rows locked in one order before either is used: two maintainers resetting each other
        // at the same moment are taken one after the other (the second then is no longer active),
        // rather than each holding its own row and waiting for the other's.
        await manager.query(`SELECT id FROM maintainer WHERE id IN ($1, $2) ORDER BY id FOR UPDATE`, [
          found.id,
          actor.maintainerId,
        ]);
        const refused = await this.freshCode.check(manager, actor.maintainerId, actor.code, actor.clientAddress);
        if (refused) return refused;
      }
      const target = (await lockMaintainer(manager, found.id)) as Maintainer;
      if (target.status !== 'active') {
        throw new DomainError(
          'WRONG_STATE',
          `${target.name} has no authenticator to reset (${target.status}): only an active maintainer has one.`,
        );
      }
      const resetBy =
        actor === 'cli' ? 'The operator' : (await manager.findOneByOrFail(Maintainer, { id: actor.maintainerId })).name;

      await manager.update(
        Maintainer,
        { id: target.id },
        { status: 'invited', passwordHash: null, totpSecretSealed: null, totpLastStep: null },
      );
      const recoveryCodesErased = await eraseRecoveryCodes(manager, target.id);
      const tokensRevoked = await revokeTokens(manager, target.id);
      await this.links.revokeAll(manager, 'maintainer_enrol', target.id);
      const hours = this.settings.ENROL_LINK_TTL_HOURS;
      const token = await this.links.issue(manager, 'maintainer_enrol', target.id, hours);
      const link = `${this.settings.publicUrl}/admin/enrol/${token}`;
      await this.audit.append(manager, {
        actor: actor === 'cli' ? 'cli' : `maintainer:${actor.maintainerId}`,
        action: 'maintainer.totp_reset',
        subject: `maintainer:${target.id}`,
        details: { tokensRevoked, recoveryCodesErased },
      });
      // A key that cannot take mail refuses the reset whole (nothing changes): the link would reach nobody.
      await this.outbox.send(manager, {
        purpose: 'maintainer.totp_reset',
        to: target.email,
        recipientKey: target.keyArmored,
        ...recoveryMail.totpReset(this.settings.LIST_NAME, target.name, resetBy, link, hours),
      });
      return { maintainerId: target.id, name: target.name, email: target.email, tokensRevoked };
    });
    // Thrown after the commit, so the failure count of a wrong code and its audit entry are kept.
    if (outcome instanceof DomainError) throw outcome;
    return outcome;
  }

  private async find(manager: EntityManager, which: TotpResetRequest['maintainer']): Promise<Maintainer> {
    const found =
      'id' in which
        ? UUID.test(which.id)
          ? await manager.findOne(Maintainer, { where: { id: which.id } })
          : null
        : await manager
            .createQueryBuilder(Maintainer, 'm')
            .where('lower(m.email) = lower(:email)', { email: which.email.trim() })
            .getOne();
    if (!found) throw new DomainError('NOT_FOUND', 'There is no such maintainer.');
    return found;
  }
}

async function revokeTokens(manager: EntityManager, maintainerId: string): Promise<number> {
  const [rows] = (await manager.query(
    `UPDATE api_token SET revoked_at = now() WHERE maintainer_id = $1 AND revoked_at IS NULL RETURNING id`,
    [maintainerId],
  )) as [unknown[], number];
  return rows.length;
}
