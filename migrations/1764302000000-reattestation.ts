import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Annual re-attestation (issue 6, "Watch it"): a member confirms, every REATTESTATION_DAYS, that
 * membership criteria 1–5 still hold. `member_attestation` keeps each confirmation with the evidence
 * given; `reattestation_request` is the request mailed to a member once per due period (keyed by
 * the attestation or joining it renews, so several workers ask once), and when that member
 * re-attested or was suspended for not doing so within the grace period.
 */
export class Reattestation1764302000000 implements MigrationInterface {
  name = 'Reattestation1764302000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE member_attestation (
        id uuid PRIMARY KEY,
        member_id uuid NOT NULL REFERENCES member(id),
        attested_at timestamptz NOT NULL DEFAULT now(),
        -- Evidence for criteria 1–5 as the member confirmed it, keyed "1".."5" like application.evidence.
        evidence jsonb NOT NULL,
        attested_by text NOT NULL
      )`);
    await q.query(`CREATE INDEX member_attestation_member ON member_attestation (member_id, attested_at)`);
    await q.query(`
      CREATE TABLE reattestation_request (
        member_id uuid NOT NULL REFERENCES member(id),
        -- The last attestation (or the joining) this request renews: one request per due period.
        basis_at timestamptz NOT NULL,
        requested_at timestamptz NOT NULL DEFAULT now(),
        reattested_at timestamptz,
        suspended_at timestamptz,
        PRIMARY KEY (member_id, basis_at)
      )`);
    await q.query(
      `CREATE INDEX reattestation_request_open ON reattestation_request (requested_at) WHERE reattested_at IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE reattestation_request`);
    await q.query(`DROP TABLE member_attestation`);
  }
}
