import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `<list>-report@` (issue 13): vulnerability reports by mail, stored in `inbound_message` as every
 * message the ingress takes, but with `raw` sealed (AES-256-GCM under the server secret, bound to
 * the row), so a report mailed in the clear is never in the database in the clear.
 */
export class ReportAddress1764385000000 implements MigrationInterface {
  name = 'ReportAddress1764385000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE inbound_message DROP CONSTRAINT inbound_message_recipient_kind_check`);
    await q.query(`
      ALTER TABLE inbound_message ADD CONSTRAINT inbound_message_recipient_kind_check
        CHECK (recipient_kind IN ('list', 'owner', 'sendkey', 'bounces', 'ack', 'leaks', 'report'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM inbound_message WHERE recipient_kind = 'report'`);
    await q.query(`ALTER TABLE inbound_message DROP CONSTRAINT inbound_message_recipient_kind_check`);
    await q.query(`
      ALTER TABLE inbound_message ADD CONSTRAINT inbound_message_recipient_kind_check
        CHECK (recipient_kind IN ('list', 'owner', 'sendkey', 'bounces', 'ack', 'leaks'))`);
  }
}
