import { Module } from '@nestjs/common';
import { DeliveryModule } from '@cordon/delivery';
import { AnswerDrill } from './answer-drill';
import { DrillReports } from './drill-reports';
import { StartDrill } from './start-drill';

/**
 * Fire drills (issue 14) for the web app (start one, answer it, its report) and for the relay's
 * `-ack` handler (DrillAckStatement, provided by the relay pipeline module beside AckStatements).
 */
@Module({
  imports: [DeliveryModule],
  providers: [StartDrill, AnswerDrill, DrillReports],
  exports: [StartDrill, AnswerDrill, DrillReports],
})
export class DrillModule {}
