import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A post the list relays: stored once, however many members it goes to. `bodyPackets` is the
 * shared OpenPGP body (signed by the list key, encrypted to a session key kept nowhere); each
 * member's copy adds only its own key packet (see PostDelivery). No list content is kept in the
 * clear: the subject is sealed with the server secret, for the maintainers' status view.
 */
@Entity('post')
export class Post {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  /** The stored inbound message this post came from: one post per message, never two. */
  @Column({ name: 'inbound_message_id', type: 'uuid' })
  inboundMessageId!: string;

  /** The active maintainer who signed it (docs/architecture.md, invariant 3). */
  @Column({ name: 'maintainer_id', type: 'uuid' })
  maintainerId!: string;

  /** Digest of the maintainer's signature: a signature relayed once is refused as a replay. */
  @Column({ name: 'signature_digest', type: 'text' })
  signatureDigest!: string;

  @Column({ name: 'signed_at', type: 'timestamptz', nullable: true })
  signedAt!: Date | null;

  /** The embargo it belongs to: named by its `[EMB-n]` subject tag, or linked by a maintainer later. */
  @Column({ name: 'embargo_id', type: 'uuid', nullable: true })
  embargoId!: string | null;

  /** `ServerSecret.seal('post-subject', subject)`. */
  @Column({ name: 'subject_sealed', type: 'text', nullable: true })
  subjectSealed!: string | null;

  /** The SEIPD packet (OpenPGP, RFC 4880 §5.13) every copy shares; no key packet in front. */
  @Column({ name: 'body_packets', type: 'bytea' })
  bodyPackets!: Buffer;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
