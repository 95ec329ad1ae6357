import { DomainError } from '@cordon/errors';

/**
 * What a reporter tells us about a vulnerability (issue 13, "Intake"), as it is kept: sealed, in
 * `report.content`. Free text is shown escaped, never as HTML.
 */
export interface ReportContent {
  /** A name or a pseudonym. */
  reporterName: string;
  /** The reporter's e-mail address: where its mail goes. */
  contact: string;
  component: string;
  versions: string;
  description: string;
  reproduction: string;
  /** Impact and attack surface. */
  impact: string;
  /** Third-party software involved (an affected dependency, say). */
  thirdParty: string;
  alreadyPublic: AlreadyPublic;
  /** The name to credit; '' for none. */
  creditName: string;
  /** The reporter's public key, armored as the key policy kept it, or null. */
  reporterKey: string | null;
}

export type AlreadyPublic = 'no' | 'yes' | 'unsure';
export const ALREADY_PUBLIC: readonly AlreadyPublic[] = ['no', 'yes', 'unsure'];

/** A file that comes with a report or a reporter's message: a proof of concept, a log. */
export interface AttachmentInput {
  filename: string;
  contentType: string;
  bytes: Buffer;
}

/** A report as the form or the mail intake hands it in. */
export interface NewReport {
  content: Omit<ReportContent, 'reporterKey'>;
  /** Armored, as given; refused (field `reporterKey`) when the key policy refuses it. */
  reporterKey: string | null;
  /** The reporter agrees to be credited under `creditName`. */
  creditConsent: boolean;
  attachments: AttachmentInput[];
}

type TextField = Exclude<keyof ReportContent, 'alreadyPublic' | 'reporterKey'>;

/** The longest each text may be, in characters. */
export const REPORT_FIELD_LIMITS: Record<TextField, number> = {
  reporterName: 200,
  contact: 254,
  component: 200,
  versions: 2000,
  description: 20_000,
  reproduction: 20_000,
  impact: 5000,
  thirdParty: 2000,
  creditName: 200,
};

/** What the reporter must say; the rest may be left empty. */
const REQUIRED: Partial<Record<TextField, string>> = {
  reporterName: 'Give a name or a pseudonym.',
  contact: 'Give an e-mail address we can answer you at.',
  component: 'Name the affected component.',
  versions: 'Name the affected versions (or say you do not know).',
  description: 'Describe the vulnerability.',
};

export const REPORT_MAX_ATTACHMENTS = 10;
const FILENAME_MAX = 200;
const CONTENT_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/i;
// One bare addr-spec (RFC 5322 §3.4.1), as the Outbox takes: one reporter, one address.
const BARE_ADDRESS = /^[^\s@<>(),;:"\\[\]]+@[^\s@<>(),;:"\\[\]]+\.[^\s@<>(),;:"\\[\]]+$/;

/** The content checked and trimmed, or a DomainError naming the field. */
export function checkedContent(given: Omit<ReportContent, 'reporterKey'>): Omit<ReportContent, 'reporterKey'> {
  const content = {} as Record<TextField, string>;
  for (const field of Object.keys(REPORT_FIELD_LIMITS) as TextField[]) {
    content[field] = boundedText(given[field], field, REPORT_FIELD_LIMITS[field], field === 'contact' ? false : true);
    if (!content[field] && REQUIRED[field]) throw invalid(REQUIRED[field], field);
  }
  if (!BARE_ADDRESS.test(content.contact))
    throw invalid('Give one e-mail address, such as you@example.org.', 'contact');
  if (!ALREADY_PUBLIC.includes(given.alreadyPublic)) {
    throw invalid('Say whether the vulnerability is already public: no, yes, or not sure.', 'alreadyPublic');
  }
  return { ...content, alreadyPublic: given.alreadyPublic };
}

/**
 * The attachments checked: at most REPORT_MAX_ATTACHMENTS, and with `alreadyBytes` (the report's
 * text) at most `maxBytes` in all. File names keep no path and no control characters; a content
 * type that is not a plain `type/subtype` becomes application/octet-stream (it is never used to
 * render the file: downloads are always attachments).
 */
export function checkedAttachments(given: AttachmentInput[], maxBytes: number, alreadyBytes = 0): AttachmentInput[] {
  if (given.length > REPORT_MAX_ATTACHMENTS) {
    throw invalid(`At most ${REPORT_MAX_ATTACHMENTS} attachments.`, 'attachments');
  }
  const total = given.reduce((sum, file) => sum + file.bytes.length, alreadyBytes);
  if (total > maxBytes) {
    throw new DomainError(
      'TOO_LARGE',
      `The report is ${megabytes(total)} with its attachments; at most ${megabytes(maxBytes)} is taken. Leave out large files and offer them in your message instead.`,
      'attachments',
    );
  }
  return given.map((file) => ({
    filename: safeFilename(file.filename),
    contentType: CONTENT_TYPE.test(file.contentType) ? file.contentType.toLowerCase() : 'application/octet-stream',
    bytes: file.bytes,
  }));
}

/** The bytes a report's text takes, for REPORT_MAX_BYTES together with its attachments. */
export function textBytes(values: object): number {
  return Buffer.byteLength(JSON.stringify(values), 'utf8');
}

/** A message's text (a reply, a question, a reason): trimmed, bounded, required. */
export function messageText(value: unknown, field: string, max = 20_000, missing = 'Write a message.'): string {
  const text = boundedText(value, field, max, true);
  if (!text) throw invalid(missing, field);
  return text;
}

function boundedText(value: unknown, field: string, max: number, multiline: boolean): string {
  if (value !== undefined && value !== null && typeof value !== 'string') throw invalid('Give text.', field);
  const text = (value ?? '').normalize('NFC').trim();
  if (text.length > max) throw invalid(`At most ${max} characters.`, field);
  // eslint-disable-next-line no-control-regex
  const control = multiline ? /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/ : /[\u0000-\u001f\u007f]/;
  if (control.test(text)) throw invalid('Control characters are not allowed.', field);
  return text;
}

function safeFilename(name: string): string {
  const base = (name || '')
    .split(/[\\/]/)
    .pop()!
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f"]/g, '')
    .trim()
    .slice(0, FILENAME_MAX);
  return base && base !== '.' && base !== '..' ? base : 'attachment';
}

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

function invalid(message: string, field: string): DomainError {
  return new DomainError('INVALID_INPUT', message, field);
}
