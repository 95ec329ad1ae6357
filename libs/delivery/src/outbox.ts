import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { config as openpgpDefaults, Key } from 'openpgp';
import { EntityManager } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { SETTINGS, Settings } from '@cordon/config';
import { ListKey, openpgpConfig, readOneKey } from '@cordon/crypto';
import { DomainError } from '@cordon/errors';
import { composeEncryptedMail, newMessageId } from './compose-encrypted-mail';
import { claimAutoReply } from './auto-replies';
import { composeKeyReply } from './compose-key-reply';
import { composePlainNotice } from './compose-plain-notice';
import { MaintainerMailboxes } from './maintainer-mailboxes';
import { OutboundMessage } from './outbound-message.entity';

export interface MailToSend {
  /** What the mail is for (`application.confirm`, `post`, ...): kept with the row and in the audit log. */
  purpose: string;
  to: string;
  /** The recipient's armored public key; the copy is encrypted to it and to nothing else. */
  recipientKey: string;
  subject: string;
  text: string;
  /** Messages forwarded inside the encryption (e.g. mail to the -owner address). */
  forwarded?: Buffer[];
}

/** A finished message, already encrypted to its one recipient (Outbox.queueSealed). */
export interface SealedMail {
  purpose: string;
  to: string;
  /** The whole RFC 5322 message: PGP/MIME, one key packet. */
  raw: Buffer;
  /** Its Message-ID, for the record. */
  messageId: string;
  /** The fingerprint of the key it is encrypted to, for the record. */
  recipientKey: string;
}

/** A sender that is not on the list is answered at most once in this many days (issue 5). */
export const NON_MEMBER_REPLY_DAYS = 30;

// One bare addr-spec (RFC 5322 §3.4.1), no display name, no list: one copy, one recipient.
const BARE_ADDRESS = /^[^\s@<>(),;:"\\[\]]+@[^\s@<>(),;:"\\[\]]+$/;

/**
 * The one outbound path of the service. Seals a copy for one recipient and queues it in the
 * caller's transaction, so the mail is sent if and only if the change that caused it commits.
 * There is no plaintext path: without a usable key there is no mail (docs/architecture.md, invariant 1).
 */
@Injectable()
export class Outbox implements OnApplicationBootstrap {
  private readonly logger = new Logger('outbox');

  constructor(
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly listKey: ListKey,
    private readonly audit: AuditLog,
    private readonly maintainers: MaintainerMailboxes,
  ) {}

  /** Unlocks the list key at start-up, so the first mail does not pay for it (and a missing key shows early). */
  async onApplicationBootstrap(): Promise<void> {
    try {
      await this.listKey.secretKey();
    } catch (error) {
      if (!(error instanceof DomainError && error.code === 'LIST_KEY_MISSING')) throw error;
    }
  }

  /**
   * One message to each maintainer that hears the list's mail (MaintainerMailboxes: active, or added
   * and not yet enrolled in the admin UI, since it may post), sealed to each alone, in the caller's
   * transaction.
   * A maintainer whose key cannot be encrypted to (expired, revoked) is skipped and logged: one
   * stale key must never stop the others being told, nor the change that tells them (a leak
   * report, a refusal, a reminder). Returns how many were queued.
   */
  async sendToMaintainers(manager: EntityManager, mail: Omit<MailToSend, 'to' | 'recipientKey'>): Promise<number> {
    let queued = 0;
    for (const maintainer of await this.maintainers.of(manager)) {
      try {
        await this.send(manager, { ...mail, to: maintainer.email, recipientKey: maintainer.keyArmored });
        queued++;
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        this.logger.warn(`${mail.purpose} not sent to a maintainer whose key cannot take mail (${error.code})`);
      }
    }
    return queued;
  }

  /** Queues one sealed message; returns its id. Throws, and queues nothing, if it cannot be sealed. */
  async send(manager: EntityManager, mail: MailToSend): Promise<string> {
    if (!manager.queryRunner?.isTransactionActive) {
      throw new Error('Outbox.send must run inside the transaction that causes the mail');
    }
    if (mail.to.length > 254 || !BARE_ADDRESS.test(mail.to)) {
      throw new DomainError('INVALID_INPUT', 'The recipient must be one e-mail address.', 'to');
    }
    const recipient = await usableKey(mail.recipientKey);
    const now = new Date();
    const messageId = newMessageId(this.settings.LIST_ADDRESS.split('@')[1]);
    const raw = await composeEncryptedMail(
      {
        from: { name: this.settings.LIST_NAME, address: this.settings.outboundFrom },
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        forwarded: mail.forwarded,
        messageId,
        date: now,
      },
      { recipient, signer: await this.listKey.secretKey(manager) },
    );
    const id = randomUUID();
    await manager.insert(OutboundMessage, {
      id,
      purpose: mail.purpose,
      sender: this.settings.outboundFrom,
      recipient: mail.to,
      raw,
      status: 'pending',
      attempts: 0,
      nextAttemptAt: now,
      createdAt: now,
    });
    await this.audit.append(manager, {
      actor: 'system',
      action: 'mail.queued',
      subject: `outbound_message:${id}`,
      // Never the subject or the body: the audit log is not encrypted.
      details: {
        purpose: mail.purpose,
        messageId,
        recipient: mail.to,
        recipientKey: recipient.getFingerprint().toUpperCase(),
      },
    });
    return id;
  }

  /**
   * Answers a `-sendkey` request with the list's public key. Anyone can ask, and a sender address
   * can be forged, so an address gets at most one answer a day: the list cannot be turned into a
   * mail cannon. Returns false when the answer was withheld for that reason.
   */
  async sendListKey(manager: EntityManager, to: string): Promise<boolean> {
    if (!manager.queryRunner?.isTransactionActive) {
      throw new Error('Outbox.sendListKey must run inside the transaction that causes the mail');
    }
    if (to.length > 254 || !BARE_ADDRESS.test(to)) return false;
    const recent = (await manager.query(
      `SELECT 1 FROM outbound_message WHERE purpose = 'relay.sendkey' AND lower(recipient) = lower($1)
       AND created_at > now() - interval '1 day' LIMIT 1`,
      [to],
    )) as unknown[];
    if (recent.length) return false;
    const messageId = newMessageId(this.settings.LIST_ADDRESS.split('@')[1]);
    const raw = await composeKeyReply({
      from: { name: this.settings.LIST_NAME, address: this.settings.outboundFrom },
      to,
      listAddress: this.settings.LIST_ADDRESS,
      publicKey: await this.listKey.armoredPublicKey(manager),
      messageId,
      date: new Date(),
    });
    await this.queueFinished(manager, 'relay.sendkey', to, raw, messageId);
    return true;
  }

  /**
   * The one answer to someone who mailed the list without being on it (issue 5, "Members
   * answer"): a fixed text pointing to the application form, saying nothing of the list's content
   * or members. Encrypted when their key is known (`recipientKey`, e.g. from their application);
   * otherwise in plain text, like the -sendkey answer. A sender can be forged, so an address gets
   * it at most once in NON_MEMBER_REPLY_DAYS. Returns false when it was withheld.
   */
  async sendNonMemberReply(manager: EntityManager, to: string, recipientKey: string | null): Promise<boolean> {
    if (to.length > 254 || !BARE_ADDRESS.test(to)) return false;
    if (!(await claimAutoReply(manager, 'non_member', to, NON_MEMBER_REPLY_DAYS))) return false;
    const subject = `About your message to ${this.settings.LIST_ADDRESS}`;
    const text = [
      `Your message to ${this.settings.LIST_ADDRESS} was not delivered: this address takes mail only`,
      `from the members of ${this.settings.LIST_NAME}.`,
      ``,
      `If you distribute the project's software and want to join, apply here:`,
      ``,
      `  ${this.settings.publicUrl}/apply`,
      ``,
      `This is an automatic reply. Your address will not get another one for ${NON_MEMBER_REPLY_DAYS} days.`,
    ].join('\n');
    if (recipientKey) {
      try {
        await this.send(manager, { purpose: 'relay.non_member_reply', to, recipientKey, subject, text });
        return true;
      } catch (error) {
        if (!(error instanceof DomainError)) throw error; // an unusable key: the neutral text goes in the clear
      }
    }
    const messageId = newMessageId(this.settings.LIST_ADDRESS.split('@')[1]);
    const from = { name: this.settings.LIST_NAME, address: this.settings.outboundFrom };
    const raw = await composePlainNotice({ from, to, subject, text, messageId, date: new Date() });
    await this.queueFinished(manager, 'relay.non_member_reply', to, raw, messageId);
    return true;
  }

  /**
   * A notice in plain text that carries a link and nothing else of what it is about, for someone
   * who gave no key (issue 13: a vulnerability reporter without one): "There is news about
   * <about>. Read it here: <link>". `about` is a reference the caller makes ("your report
   * REP-7"), never anything a person wrote; what there is to read stays behind the link.
   */
  async sendLinkNotice(
    manager: EntityManager,
    notice: { purpose: string; to: string; about: string; link: string },
  ): Promise<void> {
    if (!manager.queryRunner?.isTransactionActive) {
      throw new Error('Outbox.sendLinkNotice must run inside the transaction that causes the mail');
    }
    if (notice.to.length > 254 || !BARE_ADDRESS.test(notice.to)) {
      throw new DomainError('INVALID_INPUT', 'The recipient must be one e-mail address.', 'to');
    }
    const text = [
      `There is news about ${notice.about}. Read it here:`,
      ``,
      `  ${notice.link}`,
      ``,
      `This message is not encrypted, so it says nothing more.`,
      `Keep the link to yourself: it opens the page without a password.`,
    ].join('\n');
    const messageId = newMessageId(this.settings.LIST_ADDRESS.split('@')[1]);
    const from = { name: this.settings.LIST_NAME, address: this.settings.outboundFrom };
    const subject = `News about ${notice.about}`;
    const raw = await composePlainNotice({ from, to: notice.to, subject, text, messageId, date: new Date() });
    await this.queueFinished(manager, notice.purpose, notice.to, raw, messageId);
  }

  /**
   * The one answer to mail to `<list>-report@` that could not be filed as a vulnerability report
   * (issue 13): why, in words the relay wrote (never anything from the mail), and where else to
   * report. Plain text, as it holds nothing secret; a sender can be forged, so an address gets it
   * at most once a day. Returns false when it was withheld.
   */
  async sendReportNotFiled(manager: EntityManager, to: string, reason: string): Promise<boolean> {
    if (to.length > 254 || !BARE_ADDRESS.test(to)) return false;
    if (!(await claimAutoReply(manager, 'report_not_filed', to, 1))) return false;
    const [local, domain] = this.settings.LIST_ADDRESS.split('@');
    const address = `${local}-report@${domain}`;
    const text = [
      `Your message to ${address} was not filed as a vulnerability report.`,
      ``,
      reason,
      ``,
      `You can also report on the web: ${this.settings.publicUrl}/report`,
      ``,
      `This is an automatic reply. Your address will not get another one for a day.`,
    ].join('\n');
    const messageId = newMessageId(domain);
    const from = { name: this.settings.LIST_NAME, address: this.settings.outboundFrom };
    const subject = `Your message to ${address} was not filed`;
    const raw = await composePlainNotice({ from, to, subject, text, messageId, date: new Date() });
    await this.queueFinished(manager, 'relay.report_not_filed', to, raw, messageId);
    return true;
  }

  /**
   * Queues a message another lib finished and sealed to its one recipient (a catch-up copy of a
   * post, which the relay seals as it seals every copy: docs/architecture.md, invariant 1), in the
   * caller's transaction; returns its id. Refuses anything that is not PGP/MIME encrypted.
   */
  async queueSealed(manager: EntityManager, mail: SealedMail): Promise<string> {
    if (!manager.queryRunner?.isTransactionActive) {
      throw new Error('Outbox.queueSealed must run inside the transaction that causes the mail');
    }
    if (mail.to.length > 254 || !BARE_ADDRESS.test(mail.to)) {
      throw new DomainError('INVALID_INPUT', 'The recipient must be one e-mail address.', 'to');
    }
    const head = mail.raw.subarray(0, mail.raw.indexOf('\r\n\r\n')).toString('latin1');
    if (!/^Content-Type: multipart\/encrypted; protocol="application\/pgp-encrypted"/im.test(head)) {
      throw new Error('Outbox.queueSealed takes only a PGP/MIME encrypted message');
    }
    return this.queueFinished(manager, mail.purpose, mail.to, mail.raw, mail.messageId, {
      recipientKey: mail.recipientKey,
    });
  }

  /** Queues one finished message (a fixed, unencrypted notice above, or a sealed copy), and records it. */
  private async queueFinished(
    manager: EntityManager,
    purpose: string,
    to: string,
    raw: Buffer,
    messageId: string,
    more: Record<string, string> = {},
  ): Promise<string> {
    const id = randomUUID();
    await manager.insert(OutboundMessage, {
      id,
      purpose,
      sender: this.settings.outboundFrom,
      recipient: to,
      raw,
      status: 'pending',
      attempts: 0,
      nextAttemptAt: new Date(),
      lastError: null,
      createdAt: new Date(),
      sentAt: null,
    });
    await this.audit.append(manager, {
      actor: 'system',
      action: 'mail.queued',
      subject: `outbound_message:${id}`,
      details: { purpose, messageId, recipient: to, ...more },
    });
    return id;
  }
}

/** The recipient's key, if mail can be encrypted to it now; otherwise a refusal, never a fallback. */
async function usableKey(armored: string | undefined): Promise<Key> {
  if (typeof armored !== 'string' || !armored.trim()) {
    throw new DomainError('KEY_UNREADABLE', 'There is no OpenPGP key to encrypt this mail to.', 'key');
  }
  const key = await readOneKey(armored);
  try {
    // Key methods take a whole Config, not the partial one the encrypt functions accept.
    await key.getEncryptionKey(undefined, new Date(), undefined, { ...openpgpDefaults, ...openpgpConfig });
  } catch {
    throw new DomainError(
      'KEY_CANNOT_ENCRYPT',
      'The key has no valid encryption subkey (expired, revoked or missing), so no mail can be encrypted to it.',
      'key',
    );
  }
  return key.isPrivate() ? key.toPublic() : key;
}
