import { simpleParser } from 'mailparser';
import { postTerms } from '../fan-out';
import { catchUpContent, catchUpLine, rfc3339 } from './catch-up-copy';

// What a catch-up copy says inside the encryption (README, "Catch-up").
describe('the content of a catch-up copy', () => {
  const entity = Buffer.from(
    'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nthe patch, signed\r\n',
  );
  const firstSentAt = new Date('2026-11-20T09:30:12.345Z');
  const terms = postTerms(
    {
      id: '6f1c1d2e-0000-4000-8000-000000000007',
      number: 7,
      title: 'Overflow in libfoo',
      publicAt: new Date('2026-12-08T13:00:00Z'),
      timeZone: 'Europe/Berlin',
      cveIds: ['CVE-2026-1234'],
    },
    2,
  );
  const content = (withTerms = true) =>
    catchUpContent({
      opened: {
        subject: '[EMB-7] Overflow in libfoo',
        from: 'Lea Lead <lead@project.example>',
        date: new Date('2026-11-20T09:29:00Z'),
        signedAt: new Date('2026-11-20T09:29:00Z'),
        messageId: '<abc@project.example>',
        content: entity,
      },
      firstSentAt,
      terms: withTerms ? terms : null,
      listAddress: 'distributors@example.org',
      listName: 'Example distributors',
    });

  it('marks the subject, carries the terms and when the post was first sent, and keeps the entity as signed', async () => {
    const raw = content();
    const head = raw.subarray(0, raw.indexOf('\r\n\r\n')).toString('utf8');
    expect(head).toMatch(/^Content-Type: multipart\/mixed; protected-headers="v1";/);
    expect(head).toContain('Subject: [catch-up] [EMB-7] Overflow in libfoo');
    expect(head).toContain('Embargo-ID: EMB-7 6f1c1d2e-0000-4000-8000-000000000007');
    expect(head).toContain('Embargo-Policy-Version: 2');
    expect(head).toMatch(/^Embargo-Catch-Up: 2026-11-20T09:30:12Z$/m);
    expect(raw.includes(entity)).toBe(true);
    const parsed = await simpleParser(raw);
    expect(parsed.subject).toBe('[catch-up] [EMB-7] Overflow in libfoo');
    expect(parsed.text).toContain(terms.line);
    expect(parsed.text).toContain(catchUpLine(firstSentAt));
    expect(catchUpLine(firstSentAt)).toContain('first sent to the list at 2026-11-20 09:30 UTC');
  });

  it('says it is a catch-up copy even without terms', () => {
    const raw = content(false).toString('utf8');
    expect(raw).toContain(`Embargo-Catch-Up: ${rfc3339(firstSentAt)}`);
    expect(raw).not.toContain('Embargo-ID');
    expect(raw).toContain('This is a catch-up copy');
  });
});
