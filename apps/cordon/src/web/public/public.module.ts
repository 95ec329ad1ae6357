import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { EmbargoModule } from '@cordon/embargo';
import { MembershipModule } from '@cordon/membership';
import { ReportsModule } from '@cordon/reports';
import { ApplyController } from './apply.controller';
import { HomeController } from './home.controller';
import { LeakReportController } from './leak-report.controller';
import { ListKeyController, PublishedListKey } from './list-key.controller';
import { ReportController } from './report.controller';
import { ReporterLinkStrategy } from './reporter-link.strategy';
import { ReporterPageController } from './reporter-page.controller';
import { ReporterSessionGuard } from './reporter-session.guard';
import { VouchController } from './vouch.controller';

@Module({
  imports: [PassportModule, MembershipModule, EmbargoModule, ReportsModule],
  providers: [PublishedListKey, ReporterLinkStrategy, ReporterSessionGuard],
  controllers: [
    HomeController,
    ApplyController,
    VouchController,
    LeakReportController,
    ReportController,
    ReporterPageController,
    ListKeyController,
  ],
})
export class PublicModule {}
