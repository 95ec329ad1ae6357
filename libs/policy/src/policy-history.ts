import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError } from '@cordon/errors';
import { PolicyVersion } from './policy-version.entity';
import { PublisherNames } from './publisher-names';

export interface PolicyVersionSummary {
  version: number;
  sha256: string;
  publishedAt: Date;
  /** The maintainer's name, or the actor (`cli`, `system`) when no maintainer published it. */
  publishedBy: string;
  acknowledgedBy: number;
}

/** Every published version of the Embargo Policy, as maintainers browse them. */
@Injectable()
export class PolicyHistory {
  constructor(
    private readonly dataSource: DataSource,
    private readonly publishers: PublisherNames,
  ) {}

  /** Newest first, with who published each (a maintainer's name, or `cli`/`system`) and how many members acknowledged it. */
  async list(): Promise<PolicyVersionSummary[]> {
    const rows = (await this.dataSource.query(
      `SELECT v.version, v.sha256, v.published_at, v.published_by,
              (SELECT count(DISTINCT a.member_id)::int FROM policy_acknowledgement a WHERE a.policy_version = v.version)
                AS acknowledged_by
       FROM policy_version v
       ORDER BY v.version DESC`,
    )) as {
      version: number;
      sha256: string;
      published_at: Date;
      published_by: string;
      acknowledged_by: number;
    }[];
    const names = await this.publishers.of(
      this.dataSource.manager,
      rows.map((r) => r.published_by),
    );
    return rows.map((r) => ({
      version: r.version,
      sha256: r.sha256,
      publishedAt: new Date(r.published_at),
      publishedBy: names.get(r.published_by) ?? r.published_by,
      acknowledgedBy: r.acknowledged_by,
    }));
  }

  /** One version and the one before it (null for the first), to show what changed. */
  async withPrevious(version: number): Promise<{ policy: PolicyVersion; previous: PolicyVersion | null }> {
    const repository = this.dataSource.getRepository(PolicyVersion);
    const policy = await repository.findOneBy({ version });
    if (!policy) throw new DomainError('NOT_FOUND', 'There is no such version of the Embargo Policy.');
    return { policy, previous: version > 1 ? await repository.findOneBy({ version: version - 1 }) : null };
  }
}
