import { createTransport } from 'nodemailer';
import { MailTransport, OutgoingMail, TransportFailure } from './mail-transport';

type Transporter = ReturnType<typeof createTransport>;

// Errors whose 5yz reply was about this message (MAIL FROM, RCPT TO, DATA). A 5yz to AUTH,
// STARTTLS or the greeting is about our relay settings: failing every queued copy for it would
// lose mail an operator can still save by fixing the setting, so those stay temporary.
const MESSAGE_ERRORS = new Set(['EENVELOPE', 'EMESSAGE']);

/** nodemailer's own default pool size, and OUTBOUND_SMTP_CONNECTIONS's. */
export const DEFAULT_SMTP_CONNECTIONS = 5;

/**
 * Delivery through the operator's outbound relay (OUTBOUND_SMTP_URL), over a pool of `connections`
 * connections (OUTBOUND_SMTP_CONNECTIONS); sends beyond that wait for a free one.
 */
export class SmtpTransport extends MailTransport {
  private readonly transporter: Transporter;

  constructor(url: string, connections = DEFAULT_SMTP_CONNECTIONS) {
    super();
    this.transporter = createTransport(
      {
        url,
        pool: true,
        maxConnections: connections,
        // Bounded waits, so that a stuck relay cannot hold a claimed batch past its lease.
        connectionTimeout: 30_000,
        greetingTimeout: 30_000,
        socketTimeout: 60_000,
        // The message is finished bytes: nothing may be read from files or URLs (docs/architecture.md, "Toolchain notes").
        disableFileAccess: true,
        disableUrlAccess: true,
      },
      { disableFileAccess: true, disableUrlAccess: true },
    );
  }

  async deliver(mail: OutgoingMail): Promise<void> {
    try {
      // An explicit envelope, one recipient: never derived from the headers.
      await this.transporter.sendMail({
        envelope: { from: mail.sender, to: [mail.recipient] },
        raw: mail.raw,
        disableFileAccess: true,
        disableUrlAccess: true,
      });
    } catch (error) {
      throw classifySmtpError(error);
    }
  }

  async close(): Promise<void> {
    this.transporter.close();
  }
}

/** RFC 5321 §4.2.1: 4yz and lost connections are worth retrying; a 5yz refusal of the message is not. */
export function classifySmtpError(error: unknown): TransportFailure {
  const e = (error ?? {}) as { message?: string; code?: string; responseCode?: number; response?: string };
  const code = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const refusedForGood = code !== undefined && code >= 500 && code < 600 && code !== 503;
  const permanent = refusedForGood && MESSAGE_ERRORS.has(e.code ?? '');
  const text = e.response ?? e.message ?? String(error);
  return new TransportFailure(`${e.code ?? 'ERROR'}: ${text}`.slice(0, 500), permanent, code);
}
