import MimeNode from 'nodemailer/lib/mime-node';

/**
 * A fixed, neutral notice in plain text, for someone whose key the list does not know (issue 5,
 * "Members answer": a non-member who mailed the list). It must carry nothing secret: callers pass
 * texts written in the code, never anything from a message or the database.
 */
export async function composePlainNotice(mail: {
  from: { name: string; address: string };
  to: string;
  subject: string;
  text: string;
  messageId: string;
  date: Date;
}): Promise<Buffer> {
  const root = new MimeNode('text/plain; charset=utf-8', { disableFileAccess: true, disableUrlAccess: true });
  root.setHeader({
    From: mail.from,
    To: mail.to,
    Subject: mail.subject,
    Date: mail.date,
    'Message-ID': mail.messageId,
    // RFC 3834 §5: an automatic answer, which other responders must not answer in turn.
    'Auto-Submitted': 'auto-replied',
  });
  root.setContent(mail.text.replace(/\r?\n/g, '\r\n'));
  return root.build();
}
