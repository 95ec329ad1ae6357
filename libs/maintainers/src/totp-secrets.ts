import { Inject, Injectable } from '@nestjs/common';
import { SERVER_SECRET, ServerSecret } from '@cordon/crypto';
import { Maintainer } from './maintainer.entity';

/**
 * Seals and opens TOTP seeds with a key derived from the server secret, which lives outside the
 * database: a stolen database dump holds no usable second factor (docs/architecture.md, invariant 6).
 */
@Injectable()
export class TotpSecrets {
  constructor(@Inject(SERVER_SECRET) private readonly secret: ServerSecret) {}

  seal(secretBase32: string): string {
    return this.secret.seal('totp', secretBase32);
  }

  open(maintainer: Maintainer): string | null {
    return maintainer.totpSecretSealed ? this.secret.open('totp', maintainer.totpSecretSealed) : null;
  }
}
