import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Fire drills (issue 14): a maintainer mails every member on the list a signed, encrypted test
 * message that each must answer within DRILL_HOURS; `drill_participant` keeps, per member, the
 * copy it was sent (the outbound message) and whether, when and how it answered. Owned by the
 * relay (docs/architecture.md, Table owners).
 */
export class Drills1764460000000 implements MigrationInterface {
  name = 'Drills1764460000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE drill (
        id uuid PRIMARY KEY,
        number serial NOT NULL UNIQUE,
        started_by text NOT NULL,
        started_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        status text NOT NULL CHECK (status IN ('running', 'ended')),
        CHECK (ends_at > started_at)
      )`);
    await q.query(`
      CREATE TABLE drill_participant (
        drill_id uuid NOT NULL REFERENCES drill(id),
        member_id uuid NOT NULL REFERENCES member(id),
        email text NOT NULL,
        key_fingerprint text NOT NULL,
        outbound_message_id uuid NULL,
        not_sent_reason text NULL,
        answered_at timestamptz NULL,
        answered_via text NULL CHECK (answered_via IN ('self_service', 'signed_mail')),
        PRIMARY KEY (drill_id, member_id),
        CHECK ((answered_at IS NULL) = (answered_via IS NULL))
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE drill_participant`);
    await q.query(`DROP TABLE drill`);
  }
}
