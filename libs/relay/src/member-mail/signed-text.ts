import { simpleParser } from 'mailparser';

/**
 * The readable text of a signed entity (its text parts, decoded), with the Subject, From and To
 * it carries inside the signature, if any (protected headers). Only what was signed: the caller
 * reads a statement or a report out of it.
 */
export async function signedText(content: Buffer): Promise<{ text: string; signedHeaders: string }> {
  const parsed = await simpleParser(content, { skipHtmlToText: false, skipTextToHtml: true, skipTextLinks: true });
  const signedHeaders = [parsed.subject ?? '', parsed.from?.text ?? '', toText(parsed.to)].join('\n');
  return { text: (parsed.text ?? '').replace(/\r\n/g, '\n'), signedHeaders };
}

function toText(to: Awaited<ReturnType<typeof simpleParser>>['to']): string {
  if (!to) return '';
  return (Array.isArray(to) ? to : [to]).map((address) => address.text).join(', ');
}
