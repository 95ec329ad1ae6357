import { CsvError, parse } from 'csv-parse/sync';
import { DomainError } from '@cordon/errors';

/** One data line of the members CSV, checked for form only (keys and bans are checked later). */
export interface MemberRow {
  /** The line of the file the record starts on (the header is line 1). */
  line: number;
  address: string;
  organisation: string;
  /** Upper-case hex, spaces removed. */
  fingerprint: string;
  acknowledged: boolean;
  distribution: string;
}

/** A line that cannot be imported as it stands: its line number and why. */
export interface RowRefusal {
  line: number;
  address?: string;
  code: DomainError['code'];
  reason: string;
}

export const MEMBER_CSV_COLUMNS = ['address', 'organisation', 'fingerprint', 'acknowledged'] as const;
const OPTIONAL_COLUMNS = ['distribution'];
const MAX_ROWS = 10_000;
const ADDRESS = /^[^\s@<>",;]+@[^\s@<>",;]+\.[^\s@<>",;]+$/;
// A v4 fingerprint is 40 hex digits (SHA-1, RFC 4880 §12.2), a v6 one 64 (SHA-256, RFC 9580 §5.5.4).
const FULL_FINGERPRINT = /^(?:[0-9A-F]{40}|[0-9A-F]{64})$/;
const YES = new Set(['yes', 'true']);
const NO = new Set(['no', 'false']);

/**
 * Reads the members CSV (RFC 4180: quoted fields may hold commas, quotes as `""` and line breaks;
 * CRLF or LF line ends). The header names the columns, in any order. A quoting error makes the
 * whole file unreadable from that point, so it refuses the file naming the line; anything else
 * wrong is a refusal of that line alone, so that the operator sees every problem in one run.
 */
export function readMembersCsv(text: string): { rows: MemberRow[]; refusals: RowRefusal[] } {
  const bytes = Buffer.from(text, 'utf8');
  let records: { record: string[]; info: { bytes: number } }[];
  let parsedBytes = 0;
  try {
    records = parse(bytes, {
      on_record: (record, context) => {
        parsedBytes = context.bytes;
        return record;
      },
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      record_delimiter: ['\r\n', '\n'],
    }) as unknown as { record: string[]; info: { bytes: number } }[];
  } catch (error) {
    if (error instanceof CsvError) {
      // An unclosed quote is only noticed at the end of the file: name the line the record began on.
      const line = startLine(
        bytes.subarray(0, parsedBytes).toString('utf8'),
        bytes.subarray(parsedBytes).toString('utf8'),
      );
      throw new DomainError(
        'INVALID_INPUT',
        `The members CSV is malformed at line ${line}: ` +
          `${error.message.replace(/ at line \d+/g, '').replace(/, value is .*$/s, '')}. ` +
          'Quote fields that hold commas, quotes or line breaks ("…"), and double quotes inside them ("").',
        'members',
      );
    }
    throw error;
  }
  if (records.length === 0) {
    throw csvRefusal('The members CSV is empty: it needs a header line and one line per member.');
  }
  if (records.length - 1 > MAX_ROWS) throw csvRefusal(`The members CSV has more than ${MAX_ROWS} lines.`);
  const columns = header(records[0].record);
  const rows: MemberRow[] = [];
  const refusals: RowRefusal[] = [];
  // Line numbers are counted here, from where each record starts in the file: csv-parse's own
  // count is where a record ends, and counts a CRLF inside a quoted field twice.
  let offset = records[0].info.bytes;
  let lineAtOffset = 1 + lineBreaks(bytes.subarray(0, offset).toString('utf8'));
  for (const { record, info } of records.slice(1)) {
    const chunk = bytes.subarray(offset, info.bytes).toString('utf8');
    const result = row(record, columns, startLine('', chunk, lineAtOffset));
    if ('reason' in result) refusals.push(result);
    else rows.push(result);
    lineAtOffset += lineBreaks(chunk);
    offset = info.bytes;
  }
  return { rows, refusals };
}

function lineBreaks(text: string): number {
  return (text.match(/\r\n|\r|\n/g) ?? []).length;
}

/** The line a record starts on: after `before`, past the empty lines that csv-parse skipped. */
function startLine(before: string, record: string, lineAtStart = 1 + lineBreaks(before)): number {
  return lineAtStart + lineBreaks(/^(?:\r\n|\r|\n)*/.exec(record)![0]);
}

function csvRefusal(message: string): DomainError {
  return new DomainError('INVALID_INPUT', message, 'members');
}

function header(fields: string[]): Map<string, number> {
  const names = fields.map((f) => f.trim().toLowerCase());
  const columns = new Map(names.map((name, i) => [name, i]));
  const missing = MEMBER_CSV_COLUMNS.filter((c) => !columns.has(c));
  const unknown = names.filter(
    (n) => !(MEMBER_CSV_COLUMNS as readonly string[]).includes(n) && !OPTIONAL_COLUMNS.includes(n),
  );
  if (missing.length || unknown.length || columns.size !== names.length) {
    throw csvRefusal(
      `Line 1 of the members CSV must be the header ${MEMBER_CSV_COLUMNS.join(',')} (optionally with distribution)` +
        (missing.length ? `; missing: ${missing.join(', ')}` : '') +
        (unknown.length ? `; unknown: ${unknown.join(', ')}` : '') +
        (columns.size !== names.length ? '; a column is named twice' : '') +
        '.',
    );
  }
  return columns;
}

function row(record: string[], columns: Map<string, number>, line: number): MemberRow | RowRefusal {
  const field = (name: string) => (columns.has(name) ? (record[columns.get(name)!] ?? '').trim() : '');
  const address = field('address');
  const refuse = (reason: string): RowRefusal => ({
    line,
    address: address || undefined,
    code: 'INVALID_INPUT',
    reason,
  });
  if (record.length !== columns.size) {
    return refuse(`has ${record.length} fields where the header has ${columns.size}; quote fields that hold commas.`);
  }
  if (!ADDRESS.test(address)) return refuse('the address is not an e-mail address.');
  const organisation = field('organisation');
  if (!organisation) return refuse('the organisation is empty.');
  const fingerprint = field('fingerprint').replace(/\s+/g, '').replace(/^0x/i, '').toUpperCase();
  if (!FULL_FINGERPRINT.test(fingerprint)) {
    return refuse(
      /^[0-9A-F]{8,16}$/.test(fingerprint)
        ? 'short key IDs are refused (anyone can make a key with the same ID): give the full fingerprint, `gpg --with-colons --fingerprint ADDRESS`.'
        : 'the fingerprint must be the full 40 (or 64) hex digits, `gpg --with-colons --fingerprint ADDRESS`.',
    );
  }
  const ack = field('acknowledged').toLowerCase();
  if (!YES.has(ack) && !NO.has(ack)) return refuse('acknowledged must be yes, no, true or false.');
  return {
    line,
    address,
    organisation,
    fingerprint,
    acknowledged: YES.has(ack),
    distribution: field('distribution'),
  };
}
