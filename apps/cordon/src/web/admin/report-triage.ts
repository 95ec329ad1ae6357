import { Injectable } from '@nestjs/common';
import {
  AcceptReport,
  AcknowledgeReport,
  AskReporter,
  AssignHandler,
  CommentOnReport,
  MarkDuplicate,
  MessageParty,
  ProposePublicDate,
  RejectReport,
} from '@cordon/reports';
import { ReportAction, ReportForm } from './report-forms';

/** One form of a report's page, checked: which step, with what. */
export type TriageStep = { [A in ReportAction]: { action: A; form: ReportForm<A> } }[ReportAction];

/** Splits the CVE IDs field as the embargo form does: by spaces, commas or semicolons. */
export const cveIdsOf = (field: string): string[] => field.split(/[\s,;]+/).filter(Boolean);

/** Runs a report page's form as the triage use case it stands for (libs/reports/src/triage/). */
@Injectable()
export class ReportTriage {
  constructor(
    private readonly acknowledge: AcknowledgeReport,
    private readonly ask: AskReporter,
    private readonly accept: AcceptReport,
    private readonly reject: RejectReport,
    private readonly duplicate: MarkDuplicate,
    private readonly assign: AssignHandler,
    private readonly comment: CommentOnReport,
    private readonly propose: ProposePublicDate,
    private readonly message: MessageParty,
  ) {}

  async run(reportId: string, maintainerId: string, step: TriageStep): Promise<void> {
    switch (step.action) {
      case 'acknowledge':
        return this.acknowledge.execute(reportId, maintainerId);
      case 'ask':
        return this.ask.execute(reportId, maintainerId, step.form.question);
      case 'accept': {
        const { cveIds, cvssVector, overLimitReason, ...terms } = step.form;
        await this.accept.execute(reportId, maintainerId, {
          ...terms,
          cveIds: cveIdsOf(cveIds),
          cvssVector: cvssVector || null,
          overLimitReason: overLimitReason || null,
        });
        return;
      }
      case 'reject':
        return this.reject.execute(reportId, maintainerId, step.form.reason);
      case 'duplicate':
        return this.duplicate.execute(reportId, maintainerId, step.form.duplicateOf);
      case 'handler':
        return this.assign.execute(reportId, maintainerId, step.form.handlerId || null);
      case 'comment':
        return this.comment.execute(reportId, maintainerId, step.form.comment);
      case 'public-date':
        return this.propose.execute(reportId, maintainerId, {
          publicAt: step.form.proposedAt,
          timeZone: step.form.proposedTimeZone,
        });
      case 'message': {
        const { partyKind, partyName, partyEmail, partyKey, message } = step.form;
        const to =
          partyKind === 'reporter'
            ? { kind: 'reporter' as const }
            : { kind: 'outsider' as const, name: partyName, email: partyEmail, key: partyKey };
        return this.message.execute(reportId, maintainerId, to, message);
      }
    }
  }
}
