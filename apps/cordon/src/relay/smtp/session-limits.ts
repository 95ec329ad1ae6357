import { isIPv6 } from 'node:net';
import { Logger } from '@nestjs/common';
import type { SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import { Settings } from '@cordon/config';
import { DataReply, refusals, SmtpReply } from './smtp-reply';

/** A message must arrive at SMTP_MIN_DATA_RATE bytes a second over each window this long; the first is its grace. */
export const DATA_RATE_WINDOW_MS = 5_000;

/** Ends a session: sends the refusal (a 421, which smtp-server follows by closing) if it is still open. */
export type HangUp = (session: SMTPServerSession, refusal: SmtpReply) => void;

interface OpenSession {
  /** The address it counts against (see `addressKey`). */
  key: string;
  deadline: NodeJS.Timeout;
  /** While a message is arriving: drops it, unstored, with the refusal; false if it was whole already. */
  dropMessage?: (refusal: SmtpReply, why: string) => boolean;
  /** A message is in and being stored: its reply must go out before any hang-up. */
  storing: boolean;
  /** The session deadline passed while storing: hang up once the reply is out. */
  expired: boolean;
}

/**
 * What keeps slow clients from holding the listener (issue 10, "Slow SMTP clients hold every
 * slot"). smtp-server bounds the sessions (SMTP_MAX_CLIENTS) and the idle time between bytes
 * (SMTP_IDLE_SECONDS), but a byte now and then keeps a session from ever being idle, so 50 of
 * them kept every sender out for as long as they liked. Here: at most SMTP_MAX_CLIENTS_PER_ADDRESS
 * sessions from one address; every session closed with 421 after SMTP_SESSION_SECONDS; a message
 * dropped, unstored, with 421 unless it arrives within SMTP_DATA_SECONDS and at SMTP_MIN_DATA_RATE
 * bytes a second over each DATA_RATE_WINDOW_MS (Postfix's smtpd_min_data_rate is the same idea).
 * One log line per refusal, naming the remote address and nothing of the message.
 */
export class SessionLimits {
  private readonly logger = new Logger('ingress');
  private readonly perAddress = new Map<string, number>();
  private readonly sessions = new Map<string, OpenSession>();

  constructor(
    private readonly settings: Settings,
    private readonly hangUp: HangUp,
  ) {}

  /** onConnect: refuses a session over the address's quota; starts the session's deadline. */
  admit(session: SMTPServerSession, callback: (error?: Error | null) => void): void {
    const key = addressKey(session.remoteAddress);
    const open = this.perAddress.get(key) ?? 0;
    const limit = this.settings.SMTP_MAX_CLIENTS_PER_ADDRESS;
    if (open >= limit) {
      const why = `${open} open from its address (SMTP_MAX_CLIENTS_PER_ADDRESS)`;
      this.logger.log(`refused a connection from ${session.remoteAddress}: ${why}`);
      return callback(refusals.tooManyFromAddress());
    }
    this.perAddress.set(key, open + 1);
    const deadline = setTimeout(() => this.expire(session), this.settings.SMTP_SESSION_SECONDS * 1000).unref();
    this.sessions.set(session.id, { key, deadline, storing: false, expired: false });
    callback();
  }

  /**
   * onData: watches the message's deadline and rate while it arrives, and drops it if either is
   * missed: the stream fails with the refusal, so the intake stores nothing and answers with it.
   * Returns the reply to hand the intake, which hangs up after replying when the session's own
   * deadline passed while the message was being stored (a 421 then would lose a stored message's 250).
   */
  watchData(stream: SMTPServerDataStream, session: SMTPServerSession, reply: DataReply): DataReply {
    const open = this.sessions.get(session.id);
    if (!open) return reply;
    const { SMTP_DATA_SECONDS: seconds, SMTP_MIN_DATA_RATE: rate } = this.settings;
    let received = 0;
    let inWindow = 0;
    const stop = () => {
      clearTimeout(deadline);
      clearInterval(rateCheck);
      open.dropMessage = undefined;
    };
    const drop = (refusal: SmtpReply, why: string): boolean => {
      stop();
      // The final dot came in with the deadline: the message is whole, and storing it goes ahead.
      if (stream.writableEnded || stream.destroyed) return false;
      this.logger.log(`dropped a message from ${client(session)} after ${received} bytes: ${why}`);
      stream.destroy(refusal);
      // The intake answers the failed stream with the refusal, which closes the session; if not, hang up here.
      setImmediate(() => this.hangUp(session, refusal));
      return true;
    };
    const deadline = setTimeout(
      () => drop(refusals.dataTooLong(seconds), `DATA longer than SMTP_DATA_SECONDS (${seconds} s)`),
      seconds * 1000,
    ).unref();
    const window = DATA_RATE_WINDOW_MS / 1000;
    const rateCheck = rate
      ? setInterval(() => {
          if (inWindow < rate * window) {
            const why = `DATA slower than SMTP_MIN_DATA_RATE (${rate} bytes/s; ${inWindow} bytes in ${window} s)`;
            drop(refusals.dataTooSlow(rate), why);
          }
          inWindow = 0;
        }, DATA_RATE_WINDOW_MS).unref()
      : undefined;
    stream.on('data', (chunk: Buffer) => {
      received += chunk.length;
      inWindow += chunk.length;
    });
    stream.once('end', () => {
      stop();
      open.storing = true;
    });
    stream.once('close', stop);
    open.dropMessage = drop;
    return (error, message) => {
      open.storing = false;
      reply(error, message);
      if (open.expired) this.hangUp(session, refusals.sessionTooLong(this.settings.SMTP_SESSION_SECONDS));
    };
  }

  /** onClose: the session's slot is free again. */
  release(session: SMTPServerSession): void {
    const open = this.sessions.get(session.id);
    if (!open) return; // refused at connect, or never reached it
    this.sessions.delete(session.id);
    clearTimeout(open.deadline);
    open.dropMessage = undefined;
    const left = (this.perAddress.get(open.key) ?? 1) - 1;
    if (left > 0) this.perAddress.set(open.key, left);
    else this.perAddress.delete(open.key);
  }

  /** On stop: no deadline outlives the listener. */
  clear(): void {
    for (const open of this.sessions.values()) clearTimeout(open.deadline);
    this.sessions.clear();
    this.perAddress.clear();
  }

  private expire(session: SMTPServerSession): void {
    const open = this.sessions.get(session.id);
    if (!open) return;
    const seconds = this.settings.SMTP_SESSION_SECONDS;
    const why = `session longer than SMTP_SESSION_SECONDS (${seconds} s)`;
    const receiving = open.dropMessage;
    if (receiving?.(refusals.sessionTooLong(seconds), why)) return;
    this.logger.log(`closed the session of ${client(session)}: ${why}`);
    // A message that is in is answered first: a 421 in place of its 250 would have it sent twice.
    if (open.storing || receiving) open.expired = true;
    else this.hangUp(session, refusals.sessionTooLong(seconds));
  }
}

/**
 * The address a session counts against: its IP address, or for IPv6 its /64, which is what one
 * host is given (RFC 6177), so that a client cannot take a new address for each session.
 */
export function addressKey(address: string): string {
  if (!isIPv6(address)) return address;
  // An IPv4 client of a dual-stack listener (SMTP_HOST=::) is its IPv4 address (RFC 4291 §2.5.5.2),
  // not one /64 that every IPv4 client would share.
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return mapped[1];
  const [head, tail] = address.split('%')[0].toLowerCase().split('::');
  const groups = (part: string | undefined) =>
    // A dotted IPv4 tail (64:ff9b::192.0.2.1) stands for two groups, both in the low 64 bits.
    part ? part.split(':').flatMap((group) => (group.includes('.') ? ['0', '0'] : [group])) : [];
  const left = groups(head);
  const right = groups(tail);
  const all = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return `${all
    .slice(0, 4)
    .map((group) => parseInt(group, 16).toString(16))
    .join(':')}::/64`;
}

function client(session: SMTPServerSession): string {
  return `${session.remoteAddress} (session ${session.id})`;
}
