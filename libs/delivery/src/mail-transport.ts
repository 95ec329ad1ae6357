/** What a transport needs of a queued message. */
export interface OutgoingMail {
  id: string;
  sender: string;
  recipient: string;
  raw: Buffer;
  createdAt: Date;
}

/**
 * Where sealed messages leave the server: the outbound SMTP relay, or `.eml` files when there is
 * none (docs/architecture.md, OUTBOUND_SMTP_URL). An abstract class so that it can be Nest's injection token.
 */
export abstract class MailTransport {
  /** Hands one message over; resolves once the next hop has taken responsibility for it. */
  abstract deliver(mail: OutgoingMail): Promise<void>;

  abstract close(): Promise<void>;
}

/**
 * A delivery that did not happen. `permanent` follows RFC 5321 §4.2.1: a 5yz reply means the same
 * message would be refused again, so retrying is pointless; anything else may succeed later.
 */
export class TransportFailure extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly responseCode?: number,
  ) {
    super(message);
    this.name = 'TransportFailure';
  }
}
