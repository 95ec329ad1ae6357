import { messageIdOf } from './message-id';

const mail = (...lines: string[]) => Buffer.from(lines.join('\r\n'), 'latin1');

describe('the Message-ID of a raw message', () => {
  it('reads the field whatever its case, without the surrounding space', () => {
    expect(messageIdOf(mail('From: a@example.org', 'message-ID:   <abc.123@example.org>  ', '', 'body'))).toBe(
      '<abc.123@example.org>',
    );
  });

  it('unfolds a folded field, and keeps the first id of a field with comments', () => {
    expect(messageIdOf(mail('Message-Id:', '\t<folded@example.org> (a comment)', 'Subject: x', '', 'b'))).toBe(
      '<folded@example.org>',
    );
  });

  it('looks only in the header section, never the body', () => {
    expect(messageIdOf(mail('Subject: x', '', 'Message-ID: <in-the-body@example.org>'))).toBeNull();
    expect(messageIdOf(Buffer.from('Subject: x\n\nMessage-ID: <lf-body@example.org>\n'))).toBeNull();
  });

  it('is null when there is no Message-ID, or an empty one', () => {
    expect(messageIdOf(mail('Subject: none', '', 'body'))).toBeNull();
    expect(messageIdOf(mail('Message-ID:   ', '', 'body'))).toBeNull();
    expect(messageIdOf(Buffer.alloc(0))).toBeNull();
  });

  it('drops control characters and bounds the length of a hostile value', () => {
    expect(messageIdOf(mail('Message-ID: bare\x00id\x1b[31m', '', ''))).toBe('bareid[31m');
    expect(messageIdOf(mail(`Message-ID: <${'a'.repeat(5000)}@x>`, '', ''))).toHaveLength(250);
  });
});
