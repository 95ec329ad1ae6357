import { Inject, Injectable } from '@nestjs/common';
import { toDataURL } from 'qrcode';
import { DataSource } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { SETTINGS, Settings } from '@cordon/config';
import { lockMaintainer } from './login-throttle';
import { Maintainer } from './maintainer.entity';
import { loginExpired } from './refusals';
import { newTotpSecret, totpOf } from './totp';
import { TotpSecrets } from './totp-secrets';

export interface TotpProvisioning {
  /** Base32, for typing into an app that cannot scan. */
  secret: string;
  /** otpauth://totp/... (Key URI Format), what the QR code holds. */
  uri: string;
  /** The QR code as a data: URL (PNG), allowed by the CSP's img-src. */
  qrCode: string;
}

/**
 * First login, after the password: gives the maintainer a TOTP seed to add to an authenticator
 * app. The seed is created once and kept (sealed) until confirmed, so reloading the page or
 * mistyping the first code shows the same QR code rather than one the app does not have.
 */
@Injectable()
export class StartTotpEnrolment {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly secrets: TotpSecrets,
    private readonly audit: AuditLog,
  ) {}

  async execute(maintainerId: string): Promise<TotpProvisioning> {
    const { secret, email } = await this.dataSource.transaction(async (manager) => {
      const maintainer = await lockMaintainer(manager, maintainerId);
      if (!maintainer || maintainer.status !== 'invited' || !maintainer.passwordHash) throw loginExpired();
      const pending = this.secrets.open(maintainer);
      if (pending) return { secret: pending, email: maintainer.email };
      const fresh = newTotpSecret();
      await manager.update(
        Maintainer,
        { id: maintainerId },
        { totpSecretSealed: this.secrets.seal(fresh), totpLastStep: null },
      );
      await this.audit.append(manager, {
        actor: `maintainer:${maintainerId}`,
        action: 'maintainer.totp_enrolment_started',
        subject: `maintainer:${maintainerId}`,
      });
      return { secret: fresh, email: maintainer.email };
    });
    const uri = totpOf(secret, this.settings.LIST_NAME, email).toString();
    return { secret, uri, qrCode: await toDataURL(uri, { errorCorrectionLevel: 'M', margin: 2, scale: 6 }) };
  }
}
