import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Queued work notifies the processes that move it (issue 15; docs/architecture.md, "Waking across
 * processes"): a NOTIFY sent by a trigger is part of the transaction that queues the work, so it
 * reaches the listeners when that commits and never for work rolled back. The channel names are
 * WAKE_CHANNELS' (libs/persistence/src/wake-channels.ts), written out here because a migration
 * must say tomorrow what it said today.
 *
 * Inserts notify once per statement (the fan-out inserts up to a thousand copies in one), and
 * PostgreSQL sends one notification per channel per transaction however often it is raised. A
 * copy that becomes due again from another status (a held copy released) notifies too (service
 * mail never goes back to pending); the claim and the settlement never do, or a worker's own
 * updates would wake it for ever.
 */
export class WakeNotifications1764510000000 implements MigrationInterface {
  name = 'WakeNotifications1764510000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION cordon_wake() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify(TG_ARGV[0], '');
        RETURN NULL;
      END
      $$`);
    await q.query(`
      CREATE TRIGGER inbound_message_wake AFTER INSERT ON inbound_message
      FOR EACH STATEMENT EXECUTE FUNCTION cordon_wake('cordon_inbound')`);
    await q.query(`
      CREATE TRIGGER post_delivery_wake AFTER INSERT ON post_delivery
      FOR EACH STATEMENT EXECUTE FUNCTION cordon_wake('cordon_post_delivery')`);
    await q.query(`
      CREATE TRIGGER post_delivery_due_again AFTER UPDATE OF status ON post_delivery
      FOR EACH ROW WHEN (OLD.status <> 'pending' AND NEW.status = 'pending')
      EXECUTE FUNCTION cordon_wake('cordon_post_delivery')`);
    await q.query(`
      CREATE TRIGGER outbound_message_wake AFTER INSERT ON outbound_message
      FOR EACH STATEMENT EXECUTE FUNCTION cordon_wake('cordon_outbound')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER outbound_message_wake ON outbound_message`);
    await q.query(`DROP TRIGGER post_delivery_due_again ON post_delivery`);
    await q.query(`DROP TRIGGER post_delivery_wake ON post_delivery`);
    await q.query(`DROP TRIGGER inbound_message_wake ON inbound_message`);
    await q.query(`DROP FUNCTION cordon_wake()`);
  }
}
