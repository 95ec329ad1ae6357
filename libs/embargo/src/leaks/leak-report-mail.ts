import { Settings } from '@cordon/config';
import { LeakReport } from './leak-report.entity';

/**
 * The notice each maintainer gets when a leak report comes in. It carries the report itself: the
 * copy is encrypted to that maintainer alone, and the maintainers are who must act on it at once.
 */
export function leakReportMail(
  settings: Pick<Settings, 'LIST_NAME' | 'publicUrl'>,
  report: LeakReport,
  embargo: { tag: string; title: string } | null,
  reporter: string,
): { subject: string; text: string } {
  const about = embargo ? `[${embargo.tag}] ` : '';
  return {
    subject: `${about}Leak report filed`,
    text: [
      `A leak report was filed with ${settings.LIST_NAME} by ${reporter}.`,
      ``,
      `Embargo:       ${embargo ? `${embargo.tag}, "${embargo.title}"` : 'not named'}`,
      `When:          ${report.leakedAt ? report.leakedAt.toISOString() : 'not known'}`,
      `Self-reported: ${report.selfReported ? 'yes, the reporter leaked it' : 'no'}`,
      ...(report.reporterContact ? [`Contact:       ${report.reporterContact}`] : []),
      ``,
      `What leaked:`,
      report.whatLeaked,
      ``,
      `To whom:`,
      report.leakedTo,
      ``,
      `Evidence:`,
      report.evidence || '(none given)',
      ``,
      `Triage it (dismiss, or confirm and attribute it to a member):`,
      `${settings.publicUrl}/admin/leaks/${report.id}`,
    ].join('\n'),
  };
}
