import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ListKey } from '@cordon/crypto';
import { Outbox } from '@cordon/delivery';
import { InboundMessage } from '../ingress';
import { decryptWithListKey, PostRefusal } from '../open';
import { isWorkLimit } from '../refusals/refusal-catalogue';

const ARMORED = /-----BEGIN PGP MESSAGE-----[\s\S]+?-----END PGP MESSAGE-----/;

/**
 * `<list>-owner@` reaches the maintainers (issue 4, "Ingress"): the message goes to each active
 * maintainer, re-encrypted to that maintainer alone. What was encrypted to the list key is
 * decrypted first, since only the list can read it; what came in the clear is forwarded as it is,
 * now encrypted. Nothing to the owner address is ever relayed to the members.
 */
@Injectable()
export class OwnerMail {
  constructor(
    private readonly outbox: Outbox,
    private readonly listKey: ListKey,
  ) {}

  /** Works out what to forward, before any transaction is opened (decryption takes time). */
  async prepare(inbound: InboundMessage): Promise<{ content: Buffer; note: string }> {
    const armored = ARMORED.exec(inbound.raw.toString('latin1'))?.[0];
    if (!armored) return { content: inbound.raw, note: 'It came unencrypted; it is attached as received.' };
    try {
      // Bounded like a post: anyone may write to -owner, so a stranger's key packets cost a few.
      const data = await decryptWithListKey(Buffer.from(armored, 'latin1'), await this.listKey.secretKey());
      return {
        content: Buffer.from(data),
        note: 'It was encrypted to the list key; its decrypted content is attached (signatures, if any, not checked).',
      };
    } catch (error) {
      const why =
        error instanceof PostRefusal && isWorkLimit(error.code)
          ? 'It holds an OpenPGP message with more key packets or signatures than Cordon reads; attached as received, unopened.'
          : 'It holds an OpenPGP message the list key cannot open; attached as received.';
      return { content: inbound.raw, note: why };
    }
  }

  async forward(manager: EntityManager, inbound: InboundMessage, prepared: { content: Buffer; note: string }) {
    return this.outbox.sendToMaintainers(manager, {
      purpose: 'relay.owner',
      subject: `Mail to the list owners from ${inbound.mailFrom || '(no sender)'}`,
      text: [
        `This message was sent to the list's owner address by ${inbound.mailFrom || '(no envelope sender)'},`,
        `received ${inbound.receivedAt.toISOString()}. It was not relayed to the members.`,
        ``,
        prepared.note,
      ].join('\n'),
      forwarded: [prepared.content],
    });
  }
}
