import { Column, Entity, PrimaryColumn } from 'typeorm';

export const dateAnswers = ['accept', 'object'] as const;
export type DateAnswerKind = (typeof dateAnswers)[number];

/**
 * A member's answer to an embargo's proposed public date (issue 5, "Members answer"): one per
 * member and embargo, replaced when the member answers again; the audit log keeps every answer.
 */
@Entity('embargo_date_answer')
export class EmbargoDateAnswer {
  @PrimaryColumn({ name: 'embargo_id', type: 'uuid' })
  embargoId!: string;

  @PrimaryColumn({ name: 'member_id', type: 'uuid' })
  memberId!: string;

  @Column({ type: 'text' })
  answer!: DateAnswerKind;

  @Column({ type: 'text' })
  comment!: string;

  /** The public moment the member answered to: an extension after the answer makes it stale. */
  @Column({ name: 'public_at', type: 'timestamptz' })
  publicAt!: Date;

  @Column({ name: 'answered_at', type: 'timestamptz' })
  answeredAt!: Date;
}
