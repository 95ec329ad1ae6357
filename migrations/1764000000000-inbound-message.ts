import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The inbound queue: every message the SMTP/LMTP ingress accepted, stored raw before the 250
 * (issue 4, "Ingress"; docs/architecture.md, invariant 4), then claimed by the post pipeline under a lease.
 */
export class InboundMessage1764000000000 implements MigrationInterface {
  name = 'InboundMessage1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE inbound_message (
        id uuid PRIMARY KEY,
        received_at timestamptz NOT NULL DEFAULT now(),
        mail_from text NOT NULL,
        rcpt_to text[] NOT NULL,
        recipient_kind text NOT NULL CHECK (recipient_kind IN ('list', 'owner', 'sendkey', 'bounces')),
        verp_token text,
        remote_address text,
        raw bytea NOT NULL,
        size integer NOT NULL,
        status text NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'processing', 'processed', 'refused')),
        refusal_code text,
        attempts integer NOT NULL DEFAULT 0,
        lease_until timestamptz,
        processed_at timestamptz
      )`);
    // The queue's working set only: finished messages drop out of the index.
    await q.query(
      `CREATE INDEX inbound_message_pending ON inbound_message (received_at) WHERE status IN ('received', 'processing')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE inbound_message');
  }
}
