import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SETTINGS, Settings } from '@cordon/config';
import { Outbox } from '@cordon/delivery';
import { DomainError } from '@cordon/errors';
import { AddMaintainer, NewMaintainer } from './add-maintainer';
import { FreshCode } from './fresh-code';
import { Maintainer } from './maintainer.entity';
import { maintainerMail } from './maintainer-mail';

export interface MaintainerAddsMaintainer {
  /** The logged-in maintainer who adds the new one; the audit log names it as the actor. */
  actingMaintainerId: string;
  /** A current code from the acting maintainer's authenticator app (fresh-code.ts). */
  code: string | undefined;
  /** Where the request comes from, for the code's slow-down (the web app's req.ip). */
  clientAddress: string | undefined;
  maintainer: NewMaintainer;
}

export interface MaintainerAdded {
  maintainerId: string;
  email: string;
  keyFingerprint: string;
}

/**
 * A maintainer adds another in the admin UI or the API: what `cordon maintainer add` does
 * (AddMaintainer: key policy, duplicate address and key refused), after a fresh TOTP code of the
 * acting maintainer. A wrong, missing or used code changes nothing but the slow-down count.
 *
 * The enrolment link is not shown to the acting maintainer, as the CLI shows it to the operator:
 * it is mailed encrypted to the new maintainer's key, so only the new maintainer can set the
 * password and authenticator of the account, and the audit log can tell the two apart.
 */
@Injectable()
export class AddMaintainerAsMaintainer {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly add: AddMaintainer,
    private readonly freshCode: FreshCode,
    private readonly outbox: Outbox,
  ) {}

  async execute(request: MaintainerAddsMaintainer): Promise<MaintainerAdded> {
    const outcome = await this.dataSource.transaction(async (manager) => {
      const refused = await this.freshCode.check(
        manager,
        request.actingMaintainerId,
        request.code,
        request.clientAddress,
      );
      if (refused) return refused;
      const acting = await manager.findOneByOrFail(Maintainer, { id: request.actingMaintainerId });
      // Any refusal from here on (key policy, address or key taken) throws: the transaction rolls
      // back whole, the code included, which may then be entered again with the form corrected.
      const added = await this.add.execute(request.maintainer, manager, `maintainer:${acting.id}`);
      const invited = await manager.findOneByOrFail(Maintainer, { id: added.maintainerId });
      const hours = this.settings.ENROL_LINK_TTL_HOURS;
      await this.outbox.send(manager, {
        purpose: 'maintainer.invitation',
        to: invited.email,
        recipientKey: invited.keyArmored,
        ...maintainerMail.invitation(
          this.settings.LIST_NAME,
          invited.name,
          acting.name,
          invited.keyFingerprint,
          added.enrolmentUrl,
          hours,
        ),
      });
      return { maintainerId: invited.id, email: invited.email, keyFingerprint: invited.keyFingerprint };
    });
    // Thrown after the commit, so the failure count and its audit entry are kept.
    if (outcome instanceof DomainError) throw outcome;
    return outcome;
  }
}
