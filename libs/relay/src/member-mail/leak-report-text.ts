import { embargoNumberIn, LEAK_EVIDENCE_MAX, LEAK_TEXT_MAX } from '@cordon/embargo';

/**
 * The body of a leak report mailed to `<list>-leaks@` (issue 5, "Leak reports"): plain text,
 * with a field per line, any order, names without regard to case:
 *
 *     Embargo: EMB-12            (optional; an [EMB-12] tag in the subject does as well)
 *     What leaked: the patch for the parser overflow
 *     Leaked to: a public bug tracker
 *     When: 2026-11-20 14:00 UTC  (optional; any date JavaScript reads, e.g. ISO 8601)
 *     Self-reported: yes         (yes if you leaked it yourself; default no)
 *     Evidence:
 *     everything after this line, to the end of the message
 *
 * A field's value may go on over the following lines, up to an empty line or the next field.
 * When "What leaked" or "Leaked to" is missing, the whole body is the evidence, so that nothing
 * a member wrote in another shape is lost; the maintainers read it.
 */
export interface LeakReportFields {
  embargoNumber: number | null;
  whatLeaked: string;
  leakedTo: string;
  leakedAt: Date | null;
  evidence: string;
  selfReported: boolean;
}

type FieldName = 'embargo' | 'whatLeaked' | 'leakedTo' | 'when' | 'selfReported' | 'evidence';

const FIELD =
  /^[ \t]*(embargo|what[ \t]+leaked|leaked[ \t]+to|when|leaked[ \t]+at|self[ \t-]*reported|evidence)[ \t]*:[ \t]*(.*)$/i;
const NOT_STATED = 'Not stated in the mail: see the evidence.';
const EARLIEST = Date.UTC(1990, 0, 1);

function fieldName(label: string): FieldName {
  const word = label.toLowerCase().replace(/[\s-]+/g, ' ');
  if (word === 'embargo') return 'embargo';
  if (word === 'what leaked') return 'whatLeaked';
  if (word === 'leaked to') return 'leakedTo';
  if (word === 'evidence') return 'evidence';
  if (word.startsWith('self')) return 'selfReported';
  return 'when';
}

export function readLeakReport(subject: string, body: string, now = new Date()): LeakReportFields {
  const text = clean(body);
  const fields = readFields(text);
  const stated = fields.whatLeaked !== undefined && fields.leakedTo !== undefined;
  return {
    embargoNumber: embargoNumberIn(subject) ?? embargoField(fields.embargo),
    whatLeaked: bounded(fields.whatLeaked || NOT_STATED, LEAK_TEXT_MAX),
    leakedTo: bounded(fields.leakedTo || NOT_STATED, LEAK_TEXT_MAX),
    leakedAt: dateOf(fields.when, now),
    // Room is left for the note LeakMail adds when the embargo tag names no embargo.
    evidence: bounded(stated ? (fields.evidence ?? '') : text, LEAK_EVIDENCE_MAX - 200),
    selfReported: /^(yes|y|true|i did)\b/i.test(fields.selfReported ?? ''),
  };
}

function readFields(text: string): Partial<Record<FieldName, string>> {
  const fields: Partial<Record<FieldName, string>> = {};
  const lines = text.split('\n');
  let current: FieldName | null = null;
  for (let i = 0; i < lines.length; i++) {
    const match = FIELD.exec(lines[i]);
    if (match && fields[fieldName(match[1])] === undefined) {
      current = fieldName(match[1]);
      if (current === 'evidence') {
        fields.evidence = [match[2], ...lines.slice(i + 1)].join('\n').trim();
        break;
      }
      fields[current] = match[2].trim();
    } else if (current && lines[i].trim() !== '') {
      fields[current] = `${fields[current]}\n${lines[i].trim()}`.trim();
    } else {
      current = null;
    }
  }
  return fields;
}

function embargoField(value: string | undefined): number | null {
  const tag = value?.trim() ?? '';
  return embargoNumberIn(`[${/^\d+$/.test(tag) ? `EMB-${tag}` : tag}]`);
}

/** A readable date, not in the future and not before 1990; otherwise unknown. */
function dateOf(value: string | undefined, now: Date): Date | null {
  if (!value) return null;
  const date = new Date(value);
  const time = date.getTime();
  return Number.isNaN(time) || time > now.getTime() || time < EARLIEST ? null : date;
}

// Control characters other than tab and line feed (LeakReports refuses them).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

/** Line ends as LF, control characters as spaces. */
function clean(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(CONTROL, ' ').trim();
}

function bounded(text: string, max: number): string {
  const note = '\n[cut: the mail was longer]';
  return text.length > max ? text.slice(0, max - note.length) + note : text;
}
