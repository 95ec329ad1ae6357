import { Inject, Injectable, Logger } from '@nestjs/common';
import type { SMTPServerAddress, SMTPServerDataResult, SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import { DataSource } from 'typeorm';
import { killPoint, SETTINGS, Settings } from '@cordon/config';
import { InboundProcessor, InboundStore, ListAddresses, ListRecipient, ReceivedMail } from '@cordon/relay';
import { DataReply, reasonOf, refusals } from './smtp-reply';

/** The recipients of one transaction that share a kind (and VERP token): one stored row. */
interface RecipientGroup extends ListRecipient {
  addresses: string[];
}

/**
 * What the listener does with a mail transaction: refuses unknown recipients at RCPT, takes the
 * message whole (bounded by SMTP_MAX_SIZE), and answers 250 only once it is committed to the
 * database (issue 4, "Ingress"; README "Crashes and duplicates"). Logs one line per message, never content.
 */
@Injectable()
export class MailIntake {
  private readonly logger = new Logger('ingress');

  constructor(
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly addresses: ListAddresses,
    private readonly store: InboundStore,
    private readonly dataSource: DataSource,
    private readonly pipeline: InboundProcessor,
  ) {}

  /** RCPT TO: only the list's own addresses; anything else is refused here, before any data. */
  rcptTo(address: SMTPServerAddress, session: SMTPServerSession, reply: (error?: Error | null) => void): void {
    if (this.addresses.classify(address.address)) return reply();
    this.logger.log(`refused RCPT from ${this.client(session)}: no such address`);
    reply(refusals.unknownRecipient());
  }

  /** DATA: collects the message, then stores one row per kind of recipient before replying. */
  data(stream: SMTPServerDataStream, session: SMTPServerSession, reply: DataReply): void {
    const limit = this.settings.SMTP_MAX_SIZE;
    let chunks: Buffer[] = [];
    let received = 0;
    stream.on('data', (chunk: Buffer) => {
      received += chunk.length;
      // Over the limit: keep reading (the client is still sending) but hold nothing more.
      if (received > limit) chunks = [];
      else chunks.push(chunk);
    });
    stream.once('error', (error) => {
      // The client went away mid-message, or SessionLimits dropped it (a refusal it has logged, to
      // answer with): either way nothing is stored.
      chunks = [];
      const refused = 'responseCode' in error;
      if (!refused) this.logger.log(`dropped a message from ${this.client(session)}: ${error.message}`);
      reply(error);
    });
    stream.once('end', () => {
      if (received > limit || stream.sizeExceeded) {
        this.logger.log(`refused a message from ${this.client(session)}: over SMTP_MAX_SIZE (${limit} bytes)`);
        reply(refusals.tooBig(limit));
        return;
      }
      const raw = Buffer.concat(chunks);
      chunks = [];
      void this.keep(raw, session, reply);
    });
  }

  /** Stores the message and answers; never rejects (a failure to store is a 451 reply). */
  private async keep(raw: Buffer, session: SMTPServerSession, reply: DataReply): Promise<void> {
    if (this.settings.SMTP_LMTP === 'true') return reply(null, await this.keepEach(raw, session));
    const result = await this.keepAll(raw, session);
    if (typeof result === 'string') reply(null, result);
    else reply(result);
  }

  /**
   * SMTP has one reply for the whole transaction, so the rows of every kind commit together or not
   * at all: a partial success would be stored twice when the sender retries. Resolves to the 250
   * text once everything is committed (it names the rows, for matching the MTA's log with ours),
   * or to the refusal to answer with.
   */
  private async keepAll(raw: Buffer, session: SMTPServerSession): Promise<string | Error> {
    const groups = this.group(session);
    if (!groups.length) return refusals.unknownRecipient();
    const tooBig = groups.some((group) => this.overReportLimit(raw, group, session));
    if (tooBig) return refusals.reportTooBig(this.settings.REPORT_MAX_BYTES);
    try {
      const ids = await this.dataSource.transaction(async (manager) => {
        const stored: string[] = [];
        for (const group of groups) stored.push(await this.store.accept(manager, this.mail(raw, session, group)));
        killPoint('storing');
        return stored;
      });
      killPoint('stored');
      groups.forEach((group, i) => this.accepted(session, group, ids[i], raw.length));
      return `Stored as ${ids.join(', ')}`;
    } catch (error) {
      this.notStored(session, error);
      return refusals.notStored();
    }
  }

  /**
   * LMTP has a reply per recipient (RFC 2033 §4.2), so each kind is stored on its own and answered
   * for its own recipients: when one fails, the MTA retries only those, and nothing is stored twice.
   */
  private async keepEach(raw: Buffer, session: SMTPServerSession): Promise<SMTPServerDataResult[]> {
    const outcome = new Map<string, SMTPServerDataResult>();
    for (const group of this.group(session)) {
      const result = this.overReportLimit(raw, group, session)
        ? refusals.reportTooBig(this.settings.REPORT_MAX_BYTES)
        : await this.keepOne(raw, session, group);
      for (const address of group.addresses) outcome.set(address, result);
    }
    // One reply per accepted RCPT, in the order they were given.
    return session.envelope.rcptTo.map((r) => outcome.get(r.address) ?? refusals.unknownRecipient());
  }

  /** Stores one kind's row on its own (LMTP): its 250 text, or the 451 to answer its recipients with. */
  private async keepOne(raw: Buffer, session: SMTPServerSession, group: RecipientGroup): Promise<SMTPServerDataResult> {
    try {
      const id = await this.store.accept(this.mail(raw, session, group));
      this.accepted(session, group, id, raw.length);
      return `Stored as ${id}`;
    } catch (error) {
      this.notStored(session, error);
      return refusals.notStored();
    }
  }

  /**
   * A vulnerability report is bounded by REPORT_MAX_BYTES (README "Mail ingress"), less than the
   * SMTP_MAX_SIZE the other addresses take: over it, mail to `-report` is refused whole with 552
   * (in SMTP the whole transaction, whose one reply cannot refuse part of it).
   */
  private overReportLimit(raw: Buffer, group: RecipientGroup, session: SMTPServerSession): boolean {
    const limit = this.settings.REPORT_MAX_BYTES;
    if (group.kind !== 'report' || raw.length <= limit) return false;
    this.logger.log(`refused a report from ${this.client(session)}: over REPORT_MAX_BYTES (${limit} bytes)`);
    return true;
  }

  private mail(raw: Buffer, session: SMTPServerSession, group: RecipientGroup): ReceivedMail {
    return {
      mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
      rcptTo: group.addresses,
      remoteAddress: session.remoteAddress,
      raw,
      kind: group.kind,
      verpToken: group.verpToken,
    };
  }

  /** The envelope's recipients by kind (and VERP token), in the order first given. */
  private group(session: SMTPServerSession): RecipientGroup[] {
    const groups = new Map<string, RecipientGroup>();
    for (const { address } of session.envelope.rcptTo) {
      const recipient = this.addresses.classify(address);
      if (!recipient) continue; // refused at RCPT; never in the envelope
      const key = `${recipient.kind}\n${recipient.verpToken ?? ''}`;
      const group = groups.get(key) ?? { ...recipient, addresses: [] };
      group.addresses.push(address);
      groups.set(key, group);
    }
    return [...groups.values()];
  }

  private accepted(session: SMTPServerSession, group: RecipientGroup, id: string, size: number): void {
    this.logger.log(`accepted inbound message ${id} (${group.kind}, ${size} bytes) from ${this.client(session)}`);
    // Committed: the pipeline, when it runs in this process, takes it now rather than at its next poll.
    this.pipeline.wake();
  }

  private notStored(session: SMTPServerSession, error: unknown): void {
    this.logger.error(`could not store a message from ${this.client(session)}, answered 451: ${reasonOf(error)}`);
  }

  private client(session: SMTPServerSession): string {
    return `${session.remoteAddress} (session ${session.id})`;
  }
}
