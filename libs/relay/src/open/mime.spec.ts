import {
  canonicalLineEnds,
  decodeQuotedPrintable,
  MAX_HEADER_BYTES,
  MAX_PARTS,
  parseContentType,
  readEntity,
  splitMultipart,
  walkEntity,
} from './mime';
import { PostRefusal } from './post-refusal';

const multipart = (body: string, boundary = 'b') =>
  readEntity(Buffer.from(`Content-Type: multipart/mixed; boundary="${boundary}"\r\n\r\n${body}`, 'latin1'));
const parts = (body: string, boundary?: string) =>
  splitMultipart(multipart(body, boundary)).map((part) => part.toString('latin1'));
const refusalCode = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (error) {
    if (error instanceof PostRefusal) return error.code;
    throw error;
  }
  return undefined;
};

describe('splitMultipart (RFC 2046 §5.1.1)', () => {
  it('returns each part exactly, the CRLF before a delimiter belonging to the delimiter', () => {
    expect(parts('preamble\r\n--b\r\nA: 1\r\n\r\none\r\n\r\n--b\r\n\r\ntwo\r\n--b--\r\nepilogue\r\n')).toEqual([
      'A: 1\r\n\r\none\r\n',
      '\r\ntwo',
    ]);
  });

  it('accepts a first delimiter at the very start and white space after a delimiter (transport padding)', () => {
    expect(parts('--b \t\r\nx\r\n--b--  \r\n')).toEqual(['x']);
  });

  it('does not take a longer boundary that starts with ours, or one inside a line, for a delimiter', () => {
    expect(parts('--b\r\n--bc\r\nsee --b\r\n--b--\r\n')).toEqual(['--bc\r\nsee --b']);
  });

  it('reads LF-only line ends', () => {
    expect(parts('--b\nx\n--b\ny\n--b--\n')).toEqual(['x', 'y']);
  });

  it('refuses a multipart that is never closed, has no part, or has no usable boundary', () => {
    expect(refusalCode(() => parts('--b\r\nx\r\n--b\r\ny\r\n'))).toBe('MALFORMED_MIME');
    expect(refusalCode(() => parts('--b--\r\n'))).toBe('MALFORMED_MIME');
    expect(refusalCode(() => parts('--\r\nx\r\n----\r\n', ''))).toBe('MALFORMED_MIME');
    expect(refusalCode(() => parts('x', 'b'.repeat(71)))).toBe('MALFORMED_MIME');
  });

  it(`refuses more than ${MAX_PARTS} parts`, () => {
    expect(refusalCode(() => parts(`${'--b\r\nx\r\n'.repeat(MAX_PARTS + 1)}--b--\r\n`))).toBe('MALFORMED_MIME');
  });
});

describe('readEntity and walkEntity', () => {
  it('reads folded header fields and the body after the first empty line (RFC 5322 §2.2.3)', () => {
    const entity = readEntity(Buffer.from('Subject: a\r\n b\r\nContent-Type: text/plain\r\n\r\nbody\r\n\r\nmore'));
    expect(entity.fields).toEqual([
      { name: 'subject', value: 'a b' },
      { name: 'content-type', value: 'text/plain' },
    ]);
    expect(entity.body.toString()).toBe('body\r\n\r\nmore');
  });

  it('takes an entity without Content-Type as US-ASCII text (RFC 2045 §5.2)', () => {
    expect(readEntity(Buffer.from('\r\nhello')).contentType.mediaType).toBe('text/plain');
  });

  it('refuses a header line that is no field, and a header block beyond the bound', () => {
    expect(refusalCode(() => readEntity(Buffer.from('not a header\r\n\r\nbody')))).toBe('MALFORMED_MIME');
    expect(refusalCode(() => readEntity(Buffer.from(' folded first: x\r\n\r\n')))).toBe('MALFORMED_MIME');
    const huge = `X-Long: ${'a'.repeat(MAX_HEADER_BYTES)}\r\n\r\nbody`;
    expect(refusalCode(() => readEntity(Buffer.from(huge)))).toBe('MALFORMED_MIME');
  });

  it('walks nested multiparts and refuses nesting beyond the bound', () => {
    let raw = 'Content-Type: text/plain\r\n\r\nleaf';
    for (let level = 0; level < 10; level++) {
      raw = `Content-Type: multipart/mixed; boundary="n${level}"\r\n\r\n--n${level}\r\n${raw}\r\n--n${level}--\r\n`;
    }
    const seen: number[] = [];
    walkEntity(Buffer.from(raw), (_, depth) => seen.push(depth));
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(refusalCode(() => walkEntity(Buffer.from(raw), undefined, 30))).toBe('MALFORMED_MIME');
  });
});

describe('parseContentType (RFC 2045 §5.1)', () => {
  it('reads quoted parameters with separators and escapes inside, case-insensitively', () => {
    const type = parseContentType('Multipart/Signed; Boundary="a;b\\"c"; micalg=pgp-sha512;; protocol="x/y";');
    expect(type.mediaType).toBe('multipart/signed');
    expect(type.params.get('boundary')).toBe('a;b"c');
    expect(type.params.get('micalg')).toBe('pgp-sha512');
    expect(type.params.get('protocol')).toBe('x/y');
  });

  it('refuses a type it cannot read', () => {
    expect(refusalCode(() => parseContentType('text'))).toBe('MALFORMED_MIME');
    expect(refusalCode(() => parseContentType('text/plain; charset="utf-8'))).toBe('MALFORMED_MIME');
  });
});

describe('decodeQuotedPrintable (RFC 2045 §6.7)', () => {
  it('decodes =XX, joins soft line breaks, drops trailing white space and keeps a stray =', () => {
    const input = 'Gr=C3=BC=C3=9Fe  \r\nlong=\r\nline=3D1 =\nx = y=ZZ\r\n';
    expect(decodeQuotedPrintable(Buffer.from(input)).toString('utf8')).toBe('Grüße\r\nlongline=1 x = y=ZZ\r\n');
  });
});

describe('canonicalLineEnds (RFC 5322 §2.1)', () => {
  it('makes every line end CRLF and leaves canonical input as it is', () => {
    expect(canonicalLineEnds(Buffer.from('a\nb\r\nc\rd')).toString()).toBe('a\r\nb\r\nc\r\nd');
    const canonical = Buffer.from('a\r\nb\r\n');
    expect(canonicalLineEnds(canonical)).toEqual(canonical);
  });
});
