import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { SETTINGS, Settings } from '@cordon/config';
import { OneTimeLinks } from '@cordon/crypto';
import { Outbox } from '@cordon/delivery';
import { Application } from '../entities/application.entity';
import { Member } from '../entities/member.entity';
import { mailTexts } from '../mail-texts';

/**
 * Asks the named voucher to vouch, if and only if that address is an active member. Whether it is
 * stays inside: the applicant is told the same thing either way (docs/architecture.md, issue 3), and the
 * maintainers see in the review that the voucher is not a member.
 */
@Injectable()
export class AskVoucher {
  constructor(
    private readonly links: OneTimeLinks,
    private readonly outbox: Outbox,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  async execute(manager: EntityManager, application: Application): Promise<boolean> {
    const voucher = await manager
      .createQueryBuilder(Member, 'm')
      .where('lower(m.email) = lower(:email)', { email: application.voucherEmail })
      .andWhere(`m.status = 'active'`)
      .getOne();
    application.voucherMemberId = voucher?.id ?? null;
    await manager.update(Application, application.id, { voucherMemberId: application.voucherMemberId });
    if (!voucher) return false;
    await this.links.revokeAll(manager, 'vouch', application.id);
    const hours = this.settings.VOUCH_LINK_TTL_HOURS;
    const token = await this.links.issue(manager, 'vouch', application.id, hours);
    await this.outbox.send(manager, {
      purpose: 'application.vouch_request',
      to: voucher.email,
      recipientKey: voucher.keyArmored,
      ...mailTexts.vouchRequest(
        this.settings.LIST_NAME,
        application,
        `${this.settings.publicUrl}/vouch/${token}`,
        hours,
      ),
    });
    return true;
  }
}
