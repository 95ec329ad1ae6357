import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Resume at once after a crash (issue 15): each process that claims queue work registers in
 * `service_process` and keeps its heartbeat fresh; every lease names its owner (`lease_owner`), so
 * that a lease whose owner's row is gone (reaped once its heartbeat stopped, or cleared when an
 * embedded database is opened again) is void at once rather than after its five minutes. No
 * foreign key: an owner's row is deleted while rows may still name it, and that is the point.
 * No index on lease_owner either: every claim walks its queue's partial index of pending rows in
 * order, and checks the owner of each leased row it passes (docs/architecture.md, "Leases").
 * Owned by the persistence lib (ProcessRegistry).
 */
export class ServiceProcess1764500000000 implements MigrationInterface {
  name = 'ServiceProcess1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE service_process (
        id uuid PRIMARY KEY,
        host text NOT NULL,
        pid integer NOT NULL,
        label text NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now(),
        heartbeat_at timestamptz NOT NULL DEFAULT now()
      )`);
    for (const table of ['inbound_message', 'post_delivery', 'outbound_message']) {
      await q.query(`ALTER TABLE ${table} ADD COLUMN lease_owner uuid`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['inbound_message', 'post_delivery', 'outbound_message']) {
      await q.query(`ALTER TABLE ${table} DROP COLUMN lease_owner`);
    }
    await q.query(`DROP TABLE service_process`);
  }
}
