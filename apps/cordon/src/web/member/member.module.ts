import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { EmbargoModule } from '@cordon/embargo';
import { MembershipModule } from '@cordon/membership';
import { DrillModule } from '@cordon/relay';
import { MemberAddressConfirmController, MemberAddressController } from './address.controller';
import { MemberEmbargoesController } from './embargoes.controller';
import { MemberHomeController } from './home.controller';
import { MemberKeyConfirmController, MemberKeyController } from './key.controller';
import { MemberLeaksController } from './leaks.controller';
import { MemberLeaveController } from './leave.controller';
import { MemberProductsController } from './products.controller';
import { MemberDrillController } from './drill.controller';
import { MemberLinkSessionStrategy } from './member-link.strategy';
import { MemberReattestController } from './reattest.controller';
import { MemberSessionGuard } from './member-session.guard';
import { MemberSignInController } from './sign-in.controller';
import { TeamAcknowledgeController } from './team-acknowledge.controller';
import { MemberTeamController } from './team.controller';

/**
 * Member self-service under /member (docs/architecture.md, "Member self-service"), and the page a member's
 * team member reaches from its one-time link (/team/acknowledge). Every page but sign-in, the team
 * member's page and the key proof sits behind MemberSessionGuard.
 */
@Module({
  imports: [PassportModule, MembershipModule, EmbargoModule, DrillModule],
  providers: [MemberLinkSessionStrategy, MemberSessionGuard],
  controllers: [
    MemberSignInController,
    MemberHomeController,
    MemberTeamController,
    TeamAcknowledgeController,
    MemberKeyController,
    MemberKeyConfirmController,
    MemberAddressController,
    MemberAddressConfirmController,
    MemberEmbargoesController,
    MemberLeaksController,
    MemberReattestController,
    MemberLeaveController,
    MemberDrillController,
    MemberProductsController,
  ],
})
export class MemberModule {}
