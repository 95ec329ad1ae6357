import { Column, Entity, PrimaryColumn } from 'typeorm';

export const banKinds = ['organisation', 'email', 'fingerprint'] as const;
export type BanKind = (typeof banKinds)[number];

/**
 * Who may not apply again (embargo policy: "a member who keeps leaking is removed for good, and
 * cannot reapply"). `value` is normalised (normalisedBanValue) so that a change of case or
 * spacing does not get round it.
 */
@Entity('ban')
export class Ban {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'text' })
  kind!: BanKind;

  @Column({ type: 'text' })
  value!: string;

  @Column({ type: 'text' })
  reason!: string;

  @Column({ name: 'member_id', type: 'uuid', nullable: true })
  memberId!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
