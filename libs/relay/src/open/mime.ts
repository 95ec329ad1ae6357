import { malformed, unsupported } from './post-refusal';

/**
 * A small, bounded MIME reader over raw bytes. It never re-serialises: every entity it returns is
 * a slice of the input, so a signature can be checked over the bytes exactly as they were sent
 * (RFC 3156 §5). Anything it cannot read with certainty is a refusal, never a guess.
 */

/** Header block of one entity; a mail's whole header is rarely above 20 KiB. */
export const MAX_HEADER_BYTES = 256 * 1024;
export const MAX_HEADER_FIELDS = 1000;
/** Depth of nested multiparts and message/rfc822 parts; real mail stays below ten. */
export const MAX_DEPTH = 32;
/** Body parts in one message, all levels together. */
export const MAX_PARTS = 1000;

export interface HeaderField {
  /** Lower-case field name. */
  name: string;
  /** Unfolded value (RFC 5322 §2.2.3), bytes read as latin1 so none is lost. */
  value: string;
}

export interface ContentType {
  /** Lower-case `type/subtype`. */
  mediaType: string;
  /** Lower-case parameter names; values unquoted. */
  params: Map<string, string>;
}

export interface Entity {
  /** The entity's exact bytes: header, separator and body. */
  raw: Buffer;
  /** The header block without the empty line that ends it. */
  header: Buffer;
  body: Buffer;
  fields: HeaderField[];
  contentType: ContentType;
}

/** RFC 2045 §5.2: an entity without Content-Type is plain US-ASCII text. */
const DEFAULT_TYPE = (): ContentType => ({ mediaType: 'text/plain', params: new Map([['charset', 'us-ascii']]) });

/** Splits an entity into header fields and body (RFC 5322 §2.1: the first empty line ends the header). */
export function readEntity(raw: Buffer): Entity {
  const { headerEnd, bodyStart } = findHeaderEnd(raw);
  const header = raw.subarray(0, headerEnd);
  const fields = parseFields(header);
  const typeField = fields.find((field) => field.name === 'content-type');
  return {
    raw,
    header,
    body: raw.subarray(bodyStart),
    fields,
    contentType: typeField ? parseContentType(typeField.value) : DEFAULT_TYPE(),
  };
}

function findHeaderEnd(raw: Buffer): { headerEnd: number; bodyStart: number } {
  let lineStart = 0;
  while (lineStart < raw.length) {
    if (lineStart > MAX_HEADER_BYTES) throw malformed('A header block is larger than Cordon reads');
    const lf = raw.indexOf(0x0a, lineStart);
    const lineEnd = lf === -1 ? raw.length : lf;
    const content = lineEnd > lineStart && raw[lineEnd - 1] === 0x0d ? lineEnd - 1 : lineEnd;
    if (content === lineStart && lf !== -1) return { headerEnd: lineStart, bodyStart: lf + 1 };
    if (lf === -1) break;
    lineStart = lf + 1;
  }
  // No empty line: the entity is all header and has no body (RFC 5322 §3.5, the body is optional).
  if (raw.length > MAX_HEADER_BYTES) throw malformed('A header block is larger than Cordon reads');
  return { headerEnd: raw.length, bodyStart: raw.length };
}

/** RFC 5322 §2.2: `name: value`, continued on lines that start with white space. */
function parseFields(header: Buffer): HeaderField[] {
  const fields: HeaderField[] = [];
  const lines = header.toString('latin1').split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  for (const line of lines) {
    if (/^[ \t]/.test(line)) {
      const last = fields.at(-1);
      if (!last) throw malformed('A header block starts with a continuation line');
      last.value += line;
      continue;
    }
    const colon = line.indexOf(':');
    // Field names are printable US-ASCII without colon or space (RFC 5322 §3.6.8); white space
    // before the colon is obsolete syntax readers must accept (RFC 5322 §4.5).
    const name = colon > 0 ? line.slice(0, colon).replace(/[ \t]+$/, '') : '';
    if (!/^[\x21-\x39\x3b-\x7e]+$/.test(name)) throw malformed('A header line is not a header field');
    fields.push({ name: name.toLowerCase(), value: line.slice(colon + 1).trim() });
    if (fields.length > MAX_HEADER_FIELDS) throw malformed('A header block has more fields than Cordon reads');
  }
  return fields;
}

export function fieldValue(entity: Entity, name: string): string | undefined {
  return entity.fields.find((field) => field.name === name)?.value;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** RFC 2045 §5.1: `type/subtype *(; attribute=value)`, a value being a token or a quoted-string. */
export function parseContentType(value: string): ContentType {
  const segments = splitOutsideQuotes(value, ';');
  const [type, subtype, ...rest] = (segments.shift() ?? '').trim().split('/');
  if (!type || !subtype || rest.length > 0 || !TOKEN.test(type.trim()) || !TOKEN.test(subtype.trim())) {
    throw malformed('A Content-Type header cannot be read');
  }
  const params = new Map<string, string>();
  for (const segment of segments) {
    const eq = segment.indexOf('=');
    if (eq < 0) continue; // a stray ";" (common, harmless)
    const name = segment.slice(0, eq).trim().toLowerCase();
    let val = segment.slice(eq + 1).trim();
    if (val.startsWith('"')) {
      if (val.length < 2 || !val.endsWith('"')) throw malformed('A Content-Type parameter is not quoted properly');
      val = val.slice(1, -1).replace(/\\(.)/g, '$1');
    }
    if (!params.has(name)) params.set(name, val);
  }
  return { mediaType: `${type.trim()}/${subtype.trim()}`.toLowerCase(), params };
}

function splitOutsideQuotes(value: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (quoted && c === '\\' && i + 1 < value.length) {
      current += c + value[++i];
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === separator && !quoted) {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts;
}

/**
 * The body parts of a multipart entity, each its exact bytes (RFC 2046 §5.1.1): a delimiter is
 * `--boundary` at the start of a line, followed only by optional white space (or `--` for the
 * close delimiter); the line break before it belongs to the delimiter, not to the part before;
 * preamble and epilogue are dropped. A multipart that is never closed is refused.
 */
export function splitMultipart(entity: Entity): Buffer[] {
  const boundary = entity.contentType.params.get('boundary');
  // RFC 2046 §5.1.1: 1 to 70 characters, none of them a line break.
  if (!boundary || boundary.length > 70 || /[\r\n]/.test(boundary)) {
    throw malformed('A multipart has no usable boundary');
  }
  const body = entity.body;
  const dash = Buffer.from(`--${boundary}`, 'latin1');
  const parts: Buffer[] = [];
  let partStart = -1;
  for (let at = body.indexOf(dash); at !== -1; at = body.indexOf(dash, at + 1)) {
    if (at > 0 && body[at - 1] !== 0x0a) continue;
    const lf = body.indexOf(0x0a, at);
    const lineEnd = lf === -1 ? body.length : lf;
    const rest = body.toString('latin1', at + dash.length, lineEnd);
    const close = /^--[ \t]*\r?$/.test(rest);
    if (!close && !/^[ \t]*\r?$/.test(rest)) continue; // a longer boundary that starts with ours
    if (partStart >= 0) {
      const breakLength = at >= 2 && body[at - 2] === 0x0d ? 2 : 1;
      parts.push(body.subarray(partStart, Math.max(partStart, at - breakLength)));
      if (parts.length > MAX_PARTS) throw malformed('A multipart has more parts than Cordon reads');
    }
    if (close) {
      if (parts.length === 0) throw malformed('A multipart has no body part');
      return parts;
    }
    if (lf === -1) break;
    partStart = lf + 1;
  }
  throw malformed('A multipart is never closed by its final boundary');
}

/**
 * Reads an entity and every entity inside it (multiparts and message/rfc822), refusing what is
 * deeper or larger than the bounds above. `visit` sees each entity with its depth.
 */
export function walkEntity(
  raw: Buffer,
  visit: (entity: Entity, depth: number) => void = () => undefined,
  depth = 0,
  budget = { parts: 0 },
): Entity {
  if (depth > MAX_DEPTH) throw malformed(`A message is nested more than ${MAX_DEPTH} levels deep`);
  if (++budget.parts > MAX_PARTS) throw malformed('A message has more parts than Cordon reads');
  const entity = readEntity(raw);
  visit(entity, depth);
  const { mediaType } = entity.contentType;
  if (mediaType.startsWith('multipart/')) {
    for (const part of splitMultipart(entity)) walkEntity(part, visit, depth + 1, budget);
  } else if (mediaType === 'message/rfc822' && !isEncoded(entity)) {
    walkEntity(entity.body, visit, depth + 1, budget);
  }
  return entity;
}

function isEncoded(entity: Entity): boolean {
  const encoding = (fieldValue(entity, 'content-transfer-encoding') ?? '7bit').toLowerCase();
  return encoding === 'base64' || encoding === 'quoted-printable';
}

/** The body with its Content-Transfer-Encoding undone (RFC 2045 §6). */
export function decodedBody(entity: Entity): Buffer {
  const encoding = (fieldValue(entity, 'content-transfer-encoding') ?? '7bit').toLowerCase();
  switch (encoding) {
    case '7bit':
    case '8bit':
    case 'binary':
      return entity.body;
    case 'base64':
      // RFC 2045 §6.8: characters outside the base64 alphabet are ignored.
      return Buffer.from(entity.body.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
    case 'quoted-printable':
      return decodeQuotedPrintable(entity.body);
    default:
      throw unsupported('A part uses a Content-Transfer-Encoding other than 7bit, 8bit, base64 or quoted-printable');
  }
}

/**
 * RFC 2045 §6.7: `=XX` is a byte, `=` at the end of a line is a soft line break, and white space
 * at the end of a line was added in transport and is dropped. A stray `=` is kept as it is.
 */
export function decodeQuotedPrintable(input: Buffer): Buffer {
  const out = Buffer.alloc(input.length);
  let length = 0;
  const lines = input.toString('latin1').split(/(\r?\n)/);
  for (let i = 0; i < lines.length; i += 2) {
    let line = lines[i].replace(/[ \t]+$/, '');
    const lineBreak = lines[i + 1] ?? '';
    const soft = line.endsWith('=');
    if (soft) line = line.slice(0, -1);
    for (let j = 0; j < line.length; j++) {
      const hex = line[j] === '=' ? line.slice(j + 1, j + 3) : '';
      if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
        out[length++] = parseInt(hex, 16);
        j += 2;
      } else {
        out[length++] = line.charCodeAt(j);
      }
    }
    if (!soft) length += out.write(lineBreak, length, 'latin1');
  }
  return out.subarray(0, length);
}

/** RFC 5322 §2.1 and RFC 3156 §5: every line ends in CRLF; a lone LF or CR becomes CRLF. */
export function canonicalLineEnds(bytes: Uint8Array): Buffer {
  const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!/\r(?!\n)|(?<!\r)\n/.test(input.toString('latin1'))) return input;
  return Buffer.from(input.toString('latin1').replace(/\r\n|\r|\n/g, '\r\n'), 'latin1');
}
