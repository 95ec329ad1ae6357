import { Column, Entity, PrimaryColumn } from 'typeorm';

export type AcknowledgementMethod = 'application_form' | 'imported' | 'self_service' | 'signed_mail';

@Entity('policy_acknowledgement')
export class PolicyAcknowledgement {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'member_id', type: 'uuid' })
  memberId!: string;

  @Column({ name: 'policy_version', type: 'integer' })
  policyVersion!: number;

  @Column({ name: 'policy_sha256' })
  policySha256!: string;

  @Column({ type: 'text' })
  how!: AcknowledgementMethod;

  @Column({ type: 'timestamptz' })
  at!: Date;
}
