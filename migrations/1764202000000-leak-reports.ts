import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Leak reports, strikes and bans (issue 5, "Leak reports"): a report is filed by a member, a
 * maintainer, the public form or signed mail, and triaged once; a confirmed one is a strike on a
 * member; at the threshold the member is removed and its organisation, addresses and key
 * fingerprints are banned from applying again (values stored normalised).
 */
export class LeakReports1764202000000 implements MigrationInterface {
  name = 'LeakReports1764202000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE leak_report (
        id uuid PRIMARY KEY,
        embargo_id uuid REFERENCES embargo(id),
        what_leaked text NOT NULL,
        leaked_to text NOT NULL,
        leaked_at timestamptz,
        evidence text NOT NULL DEFAULT '',
        self_reported boolean NOT NULL,
        reporter_kind text NOT NULL CHECK (reporter_kind IN ('member', 'maintainer', 'public', 'mail')),
        reporter_member_id uuid REFERENCES member(id),
        reporter_maintainer_id uuid REFERENCES maintainer(id),
        reporter_contact text,
        suspected_member_id uuid REFERENCES member(id),
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'dismissed', 'confirmed')),
        attributed_member_id uuid REFERENCES member(id),
        triage_reason text,
        triaged_by uuid REFERENCES maintainer(id),
        triaged_at timestamptz,
        embargo_broken boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((reporter_kind IN ('member', 'mail')) = (reporter_member_id IS NOT NULL)),
        CHECK ((reporter_kind = 'maintainer') = (reporter_maintainer_id IS NOT NULL)),
        CHECK ((status = 'open') = (triaged_at IS NULL)),
        CHECK ((status = 'confirmed') = (attributed_member_id IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX leak_report_queue ON leak_report (created_at) WHERE status = 'open'`);
    await q.query(`CREATE INDEX leak_report_attributed ON leak_report (attributed_member_id)`);
    await q.query(`
      CREATE TABLE strike (
        id uuid PRIMARY KEY,
        member_id uuid NOT NULL REFERENCES member(id),
        leak_report_id uuid NOT NULL UNIQUE REFERENCES leak_report(id),
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX strike_member ON strike (member_id)`);
    await q.query(`
      CREATE TABLE ban (
        id uuid PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('organisation', 'email', 'fingerprint')),
        value text NOT NULL CHECK (value <> ''),
        reason text NOT NULL,
        member_id uuid REFERENCES member(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (kind, value)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE ban');
    await q.query('DROP TABLE strike');
    await q.query('DROP TABLE leak_report');
  }
}
