import { Injectable } from '@nestjs/common';
import { Embargoes, formatPublicMoment } from '@cordon/embargo';
import { Report } from '../report.entity';
import { assertMove } from './report-transitions';
import { TriageStep } from './triage-step';

/** What a maintainer decides when it accepts a report; the rest comes from the report. */
export interface AcceptTerms {
  /** The embargo's title; the affected component when left out. */
  title?: string;
  /** Local date and time, "YYYY-MM-DDTHH:MM", in `timeZone`. */
  publicAt: string;
  /** IANA name. */
  timeZone: string;
  cveIds?: string[];
  cvssVector?: string | null;
  fixedVersions?: string;
  /** Needed when the embargo runs past MAX_EMBARGO_BUSINESS_DAYS, counted from the report's date. */
  overLimitReason?: string | null;
}

/**
 * A maintainer accepts a report as a vulnerability (issue 13: "Accepting creates an embargo
 * pre-filled from the report"): the embargo is made as the admin UI makes one (Embargoes.create, by
 * this maintainer), with the report's versions, the reporter's credit only with its consent, and
 * its business-day limit counted from the report's date, not from today. The report links it, and
 * the reporter is told the public date. Whatever the embargo refuses (a date in the past, over the
 * limit without a reason, a bad CVE id) is refused with its field, and nothing changes.
 */
@Injectable()
export class AcceptReport {
  constructor(
    private readonly triage: TriageStep,
    private readonly embargoes: Embargoes,
  ) {}

  async execute(
    reportId: string,
    maintainerId: string,
    terms: AcceptTerms,
    now = new Date(),
  ): Promise<{ embargoId: string; embargoNumber: number }> {
    return this.triage.run(reportId, maintainerId, now, async (context) => {
      const { report, manager } = context;
      assertMove(report, 'accept', context.reference);
      const content = context.content();
      const embargo = await this.embargoes.create(
        manager,
        {
          title: terms.title?.trim() ? terms.title : content.component,
          cveIds: terms.cveIds,
          cvssVector: terms.cvssVector,
          affectedVersions: content.versions,
          fixedVersions: terms.fixedVersions,
          reporterCredit: report.creditConsent ? content.creditName : '',
          publicAt: terms.publicAt,
          timeZone: terms.timeZone,
          overLimitReason: terms.overLimitReason,
          limitCountedFrom: report.receivedAt,
        },
        context.actor,
        now,
      );
      // The reporter agreed (or objected) to the date proposed on the report; the embargo's date
      // is the one it is asked about from now on, so an answer to another date no longer stands.
      const sameDate = report.proposedPublicAt?.getTime() === embargo.publicAt.getTime();
      await manager.update(Report, report.id, {
        embargoId: embargo.id,
        ...(sameDate ? {} : { reporterDateAnswer: null, reporterDateAnsweredAt: null }),
      });
      await this.triage.moveTo(context, 'accepted');
      await context.audit('accepted', { status: 'accepted', embargo: embargo.id, embargoNumber: embargo.number });
      const credit = report.creditConsent
        ? `You will be credited as “${content.creditName}”; you can change this on the report’s page.`
        : 'You will not be credited by name; you can change this on the report’s page.';
      await context.tell({
        purpose: 'report.accepted',
        subject: `Your vulnerability report ${context.reference}`,
        text: [
          `The project's maintainers have accepted your report ${context.reference} as a vulnerability. Thank you.`,
          '',
          `The fix is planned to become public on ${formatPublicMoment(embargo.publicAt, embargo.timeZone)}.`,
          'Please keep the issue private until then. You can agree to the date or object to it on the report’s page.',
          credit,
        ].join('\n'),
      });
      return { embargoId: embargo.id, embargoNumber: Number(embargo.number) };
    });
  }
}
