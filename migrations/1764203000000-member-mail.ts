import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Mail from members (issue 5): the `-ack` and `-leaks` addresses, members' answers held for the
 * maintainers, the signatures a member's mail has used (each counts once), and the automatic
 * replies the list has sent per address (so that a forged sender gets at most one).
 */
export class MemberMail1764203000000 implements MigrationInterface {
  name = 'MemberMail1764203000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE inbound_message DROP CONSTRAINT inbound_message_recipient_kind_check`);
    await q.query(`
      ALTER TABLE inbound_message ADD CONSTRAINT inbound_message_recipient_kind_check
        CHECK (recipient_kind IN ('list', 'owner', 'sendkey', 'bounces', 'ack', 'leaks'))`);
    // One row per signature a member's mail was accepted with, whatever it was for: a signed
    // statement acknowledges, files a report or answers once, and is never taken for another of
    // these (a signed-only acknowledgement resent to -leaks is a replay too).
    await q.query(`
      CREATE TABLE member_signed_mail (
        signature_digest text PRIMARY KEY,
        member_id uuid NOT NULL REFERENCES member(id),
        inbound_message_id uuid NOT NULL,
        purpose text NOT NULL CHECK (purpose IN ('acknowledgement', 'leak_report', 'answer')),
        signed_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    // An answer's subject and content are list content: sealed with the server secret, like a
    // post's subject, and opened only to show a maintainer or to release it to the list.
    await q.query(`
      CREATE TABLE member_answer (
        id uuid PRIMARY KEY,
        member_id uuid NOT NULL REFERENCES member(id),
        inbound_message_id uuid NOT NULL UNIQUE,
        embargo_id uuid REFERENCES embargo(id),
        signer_fingerprint text NOT NULL,
        signed_at timestamptz NOT NULL,
        subject_sealed text NOT NULL,
        content_sealed text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        released_at timestamptz,
        released_by uuid REFERENCES maintainer(id),
        released_post_id uuid UNIQUE REFERENCES post(id),
        CHECK ((released_at IS NULL) = (released_by IS NULL) AND (released_at IS NULL) = (released_post_id IS NULL))
      )`);
    await q.query(`CREATE INDEX member_answer_created ON member_answer (created_at)`);
    // The last automatic reply of a kind to an address (lower case): the rate limit of replies
    // to senders that may be forged.
    await q.query(`
      CREATE TABLE auto_reply (
        kind text NOT NULL,
        address text NOT NULL,
        sent_at timestamptz NOT NULL,
        PRIMARY KEY (kind, address)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE auto_reply');
    await q.query('DROP TABLE member_answer');
    await q.query('DROP TABLE member_signed_mail');
    await q.query(`DELETE FROM inbound_message WHERE recipient_kind IN ('ack', 'leaks')`);
    await q.query(`ALTER TABLE inbound_message DROP CONSTRAINT inbound_message_recipient_kind_check`);
    await q.query(`
      ALTER TABLE inbound_message ADD CONSTRAINT inbound_message_recipient_kind_check
        CHECK (recipient_kind IN ('list', 'owner', 'sendkey', 'bounces'))`);
  }
}
