import { Module } from '@nestjs/common';
import { DeliveryModule } from '@cordon/delivery';
import { PolicyModule } from '@cordon/policy';
import { KeyClaims } from './key-claims';
import { MaintainerDirectoryAnswers } from './maintainer-directory-answers';

/**
 * What the maintainers lib answers for the libs below it (MaintainerDirectoryAnswers), and the
 * claims on keys the libs above it register (KeyClaims). Imported by MaintainersModule and by
 * MembershipModule, so every container that has either has the answers, once.
 */
@Module({
  imports: [DeliveryModule, PolicyModule],
  providers: [KeyClaims, MaintainerDirectoryAnswers],
  exports: [KeyClaims],
})
export class MaintainerDirectoryModule {}
