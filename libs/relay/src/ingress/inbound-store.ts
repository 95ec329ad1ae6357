import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { SERVER_SECRET, ServerSecret } from '@cordon/crypto';
import { RecipientKind } from './list-addresses';
import { messageIdOf } from './message-id';
import { rawToStore } from './sealed-raw';

/** One message as the SMTP session received it, for one kind of the list's addresses. */
export interface ReceivedMail {
  /** RFC 5321 reverse-path, `''` for the null sender `<>`. */
  mailFrom: string;
  /** The envelope recipients of this kind. */
  rcptTo: string[];
  /** The client's IP address, when it came over the network. */
  remoteAddress?: string | null;
  /** The message exactly as received (after dot-unstuffing). */
  raw: Buffer;
  kind: RecipientKind;
  verpToken?: string | null;
}

/**
 * The first stage of the relay: store the raw message durably, and record that it came (docs/architecture.md
 * invariant 4: a post is accepted only once stored). The SMTP session answers 250 only after
 * `accept` resolved, so every 250 the server ever gave is a committed row. A vulnerability report
 * is sealed before it is written (sealed-raw.ts), so it is never in the database in the clear.
 */
@Injectable()
export class InboundStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    @Inject(SERVER_SECRET) private readonly secret: ServerSecret,
  ) {}

  /**
   * Stores the message and appends `mail.received` to the audit log; returns the row's id.
   * Without a manager, in a transaction of its own that has committed when this resolves; with
   * one, in that (caller's) transaction, so that several rows commit or fail together.
   */
  accept(mail: ReceivedMail): Promise<string>;
  accept(manager: EntityManager, mail: ReceivedMail): Promise<string>;
  accept(first: EntityManager | ReceivedMail, second?: ReceivedMail): Promise<string> {
    if (first instanceof EntityManager) return this.insert(first, second!);
    return this.dataSource.transaction((manager) => this.insert(manager, first));
  }

  private async insert(manager: EntityManager, mail: ReceivedMail): Promise<string> {
    const id = randomUUID();
    await manager.query(
      `INSERT INTO inbound_message (id, mail_from, rcpt_to, recipient_kind, verp_token, remote_address, raw, size)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        id,
        mail.mailFrom,
        mail.rcptTo,
        mail.kind,
        mail.verpToken ?? null,
        mail.remoteAddress ?? null,
        rawToStore(this.secret, id, mail.kind, mail.raw),
        // The size received, sealed or not: what the sender sent, for the metrics and the admin.
        mail.raw.length,
      ],
    );
    // Facts about the envelope only, never the content (invariant 6, AuditRecord.details).
    await this.audit.append(manager, {
      actor: 'anonymous',
      action: 'mail.received',
      subject: `inbound_message:${id}`,
      details: {
        kind: mail.kind,
        size: mail.raw.length,
        sender: mail.mailFrom || null,
        messageId: messageIdOf(mail.raw),
        remoteAddress: mail.remoteAddress ?? null,
      },
    });
    return id;
  }
}
