import { randomBytes, randomUUID } from 'node:crypto';
import { simpleParser } from 'mailparser';
import { ArmoredBody } from './armor';
import { assembleCopy, CopyBuffer, ListHeaders } from './copy';

const headers = new ListHeaders('Distributors@Example.org', 'Embargoed distributors');
const body = new ArmoredBody(randomBytes(3000));
const post = { body, date: new Date('2099-01-01T12:00:00Z'), maintainerName: 'Alice Maintainer' };
const aDelivery = () => ({ id: randomUUID(), recipient: 'security@distro.example', keyPacket: randomBytes(96) });

describe('one copy of a post: RFC 3156 outside, list headers, nothing of the content', () => {
  it('derives the list headers from LIST_ADDRESS (RFC 2919 §3, RFC 2369)', () => {
    expect(headers.listId).toBe('Embargoed distributors <distributors.example.org>');
    expect(headers.shared.split('\r\n')).toEqual([
      'Reply-To: distributors-owner@example.org',
      'List-Id: Embargoed distributors <distributors.example.org>',
      'List-Post: NO',
      'List-Owner: <mailto:distributors-owner@example.org>',
      'List-Help: <mailto:distributors-owner@example.org?subject=help>',
      'Precedence: list',
      'MIME-Version: 1.0',
    ]);
  });

  it('quotes or encodes a list name that needs it', () => {
    expect(new ListHeaders('l@example.org', 'Distros, Inc.').listId).toBe('"Distros, Inc." <l.example.org>');
    expect(new ListHeaders('l@example.org', 'Distribución').listId).toMatch(
      /^=\?UTF-8\?Q\?Distribuci=C3=B3n\?= <l\.example\.org>$/,
    );
  });

  it('sends bounces to a VERP address naming the copy', () => {
    const id = randomUUID();
    expect(headers.bounceAddress(id)).toBe(`distributors-bounces+${id}@example.org`);
  });

  it('is the same message, byte for byte, each time it is assembled (a resent copy is a duplicate clients drop)', () => {
    const delivery = aDelivery();
    const first = assembleCopy({ post, delivery, headers });
    expect(assembleCopy({ post, delivery, headers }).equals(first)).toBe(true);
    expect(first.toString('latin1')).toContain(`Message-ID: <${delivery.id}@example.org>`);
  });

  it('keeps a maintainer name carrying CR LF from starting a header of its own', async () => {
    const hostile = { ...post, maintainerName: 'Eve\r\nBcc: everyone@evil.example\r\n' };
    const raw = assembleCopy({ post: hostile, delivery: aDelivery(), headers });
    expect(raw.toString('latin1')).not.toMatch(/^Bcc:/im);
    const parsed = await simpleParser(raw);
    expect(parsed.from?.value).toHaveLength(1);
    expect(parsed.from?.value[0].address).toBe('distributors@example.org');
    expect(parsed.headers.has('bcc')).toBe(false);
  });

  it('assembles into a reused buffer the same bytes as into a new one', () => {
    const buffer = new CopyBuffer();
    const big = { ...post, body: new ArmoredBody(randomBytes(50_000)) };
    for (const p of [big, post, big]) {
      const delivery = aDelivery();
      expect(buffer.assemble({ post: p, delivery, headers }).equals(assembleCopy({ post: p, delivery, headers }))).toBe(
        true,
      );
    }
  });
});
