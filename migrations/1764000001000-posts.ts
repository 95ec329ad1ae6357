import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Relayed posts and their per-member copies (issue 4, "Fan-out" and "Delivery"). A post keeps its
 * body once, already signed by the list key and encrypted to a session key that is never stored;
 * each copy keeps only the member's key packet for that session key, so the queue holds no list
 * content in the clear (docs/architecture.md, invariant 1) and grows as size + members, not size × members.
 */
export class Posts1764000001000 implements MigrationInterface {
  name = 'Posts1764000001000';

  async up(q: QueryRunner): Promise<void> {
    // inbound_message_id has no foreign key: the inbound table comes from a migration of its own,
    // and a post must never be relayed twice from one stored message (UNIQUE).
    await q.query(`
      CREATE TABLE post (
        id uuid PRIMARY KEY,
        inbound_message_id uuid NOT NULL UNIQUE,
        maintainer_id uuid NOT NULL REFERENCES maintainer(id),
        signature_digest text NOT NULL UNIQUE,
        signed_at timestamptz,
        subject_sealed text,
        body_packets bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Every row is updated at least twice (claimed, then settled). Half-empty pages (fillfactor) let
    // the claim, which changes no indexed column, be a HOT update that writes no index entry.
    await q.query(`
      CREATE TABLE post_delivery (
        id uuid PRIMARY KEY,
        post_id uuid NOT NULL REFERENCES post(id),
        member_id uuid NOT NULL REFERENCES member(id),
        recipient text NOT NULL,
        key_fingerprint text,
        key_packet bytea,
        status text NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'skipped', 'held')),
        reason text,
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        lease_until timestamptz,
        last_error text,
        sent_at timestamptz,
        UNIQUE (post_id, member_id),
        CHECK (status <> 'pending' OR key_packet IS NOT NULL)
      ) WITH (fillfactor = 50)`);
    await q.query(`CREATE INDEX post_delivery_due ON post_delivery (next_attempt_at) WHERE status = 'pending'`);
    await q.query(`CREATE INDEX post_delivery_member ON post_delivery (member_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE post_delivery');
    await q.query('DROP TABLE post');
  }
}
