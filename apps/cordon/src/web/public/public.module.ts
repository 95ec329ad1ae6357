import { Module } from '@nestjs/common';
import { EmbargoModule } from '@cordon/embargo';
import { MembershipModule } from '@cordon/membership';
import { ApplyController } from './apply.controller';
import { HomeController } from './home.controller';
import { LeakReportController } from './leak-report.controller';
import { VouchController } from './vouch.controller';

@Module({
  imports: [MembershipModule, EmbargoModule],
  controllers: [HomeController, ApplyController, VouchController, LeakReportController],
})
export class PublicModule {}
