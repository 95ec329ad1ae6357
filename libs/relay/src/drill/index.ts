export { DrillModule } from './drill.module';
export { StartDrill, DRILL_PURPOSE, drillStatement } from './start-drill';
export { AnswerDrill, DrillAnswer } from './answer-drill';
export {
  DrillReports,
  DrillReport,
  DrillSummary,
  DrillParticipantView,
  DrillCopyState,
  MemberDrill,
  DRILL_KEY_WARNING_DAYS,
} from './drill-reports';
export { DrillReadings } from './drill-readings';
export { DrillAnswerVia, DrillStatus } from './drill-rows';
