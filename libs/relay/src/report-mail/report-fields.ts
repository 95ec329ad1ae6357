import { AttachmentInput, NewReport, REPORT_FIELD_LIMITS } from '@cordon/reports';
import { ReportMessage } from './report-message';

/** What a mailed report does not say, for the maintainers (and the reporter, on its page) to fill in. */
export const NOT_GIVEN = 'Not given';

/** Control characters other than tab and line breaks, which a report's text may not hold. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;
// eslint-disable-next-line no-control-regex
const ANY_CONTROL = /[\u0000-\u001f\u007f]/g;

/**
 * A mailed report as the reports lib takes one (issue 13): the reporter is the From header's
 * display name (else its local part) and address, the component the subject, the description the
 * body. What mail does not ask is left for later: versions "Not given", public "unsure", no credit
 * (the reporter sets credit on its page). A subject or name longer than its field is cut; a body
 * longer than the description's limit is kept whole as an attachment `message.txt`, the
 * description then its beginning. Null when the message names no address to answer.
 */
export function newReportFrom(message: ReportMessage, reporterKey: string | null): NewReport | null {
  const from = message.from;
  if (!from) return null;
  const contact = from.address.trim();
  const name = line(from.name) || contact.slice(0, contact.lastIndexOf('@'));
  const text = message.text.replace(CONTROL, '');
  const limit = REPORT_FIELD_LIMITS.description;
  const attachments: AttachmentInput[] = message.attachments.map((file) => ({ ...file }));
  let description = text;
  if (text.length > limit) {
    attachments.unshift({ filename: 'message.txt', contentType: 'text/plain', bytes: Buffer.from(text, 'utf8') });
    const note = '\n\n[The message is longer than this field; it is attached whole as message.txt.]';
    description = text.slice(0, limit - note.length) + note;
  } else if (!text && attachments.length > 0) {
    description = 'The message had no text; see its attachments.';
  }
  return {
    content: {
      reporterName: cut(name, REPORT_FIELD_LIMITS.reporterName),
      contact,
      component: cut(line(message.subject), REPORT_FIELD_LIMITS.component) || NOT_GIVEN,
      versions: NOT_GIVEN,
      description,
      reproduction: '',
      impact: '',
      thirdParty: '',
      alreadyPublic: 'unsure',
      creditName: '',
    },
    reporterKey,
    creditConsent: false,
    attachments,
  };
}

/** One line: control characters (line breaks included) become spaces, runs of white space one. */
function line(value: string): string {
  return value.replace(ANY_CONTROL, ' ').replace(/\s+/g, ' ').trim();
}

function cut(value: string, max: number): string {
  return [...value].slice(0, max).join('').trim();
}
