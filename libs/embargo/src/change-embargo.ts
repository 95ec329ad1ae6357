import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditCheckpoints } from '@cordon/delivery';
import { EmbargoNotices } from './embargo-notices';
import { Embargo } from './embargo.entity';
import { EmbargoInput, Embargoes } from './embargoes';
import { EditedField, EmbargoEdit, EmbargoEdits } from './embargo-edits';

/**
 * What a maintainer does to embargoes, from the admin UI or the API (issue 5, "Embargoes"), each in
 * one transaction: recording one (with its audit entry); extending or lifting one, where the
 * change, its audit entry and an encrypted notice to every member who receives list mail commit
 * together, or none does.
 */
@Injectable()
export class ChangeEmbargo {
  constructor(
    private readonly dataSource: DataSource,
    private readonly embargoes: Embargoes,
    private readonly notices: EmbargoNotices,
    private readonly checkpoints: AuditCheckpoints,
    private readonly edits: EmbargoEdits,
  ) {}

  /**
   * Records an embargo; `alongside` runs in the same transaction once it exists (the admin UI links
   * the post it was opened from), so that both happen or neither does.
   */
  create(
    input: EmbargoInput,
    maintainerId: string,
    alongside?: (manager: EntityManager, embargo: Embargo) => Promise<void>,
  ): Promise<Embargo> {
    return this.dataSource.transaction(async (manager) => {
      const embargo = await this.embargoes.create(manager, input, `maintainer:${maintainerId}`);
      await alongside?.(manager, embargo);
      return embargo;
    });
  }

  extend(
    id: string,
    change: { publicAt: string; timeZone: string; reason: string; acceptNonWorkingDay?: boolean },
    maintainerId: string,
  ): Promise<{ embargo: Embargo; membersTold: number }> {
    return this.dataSource.transaction(async (manager) => {
      const { embargo, previous } = await this.embargoes.extend(manager, id, change, `maintainer:${maintainerId}`);
      const membersTold = await this.notices.extended(manager, embargo, previous, change.reason.trim());
      return { embargo, membersTold };
    });
  }

  /**
   * Edits the embargo's facts (issue 14); a change members must know of (CVE IDs, versions,
   * mitigations) while it runs is mailed to its audience, encrypted, in the same transaction.
   */
  edit(
    id: string,
    changes: EmbargoEdit,
    maintainerId: string,
  ): Promise<{ embargo: Embargo; changed: EditedField[]; membersTold: number }> {
    return this.dataSource.transaction(async (manager) => {
      const { embargo, changed } = await this.edits.edit(manager, id, changes, `maintainer:${maintainerId}`);
      const membersTold = await this.notices.changed(manager, embargo, changed);
      return { embargo, changed, membersTold };
    });
  }

  lift(id: string, maintainerId: string): Promise<{ embargo: Embargo; membersTold: number }> {
    return this.dataSource.transaction(async (manager) => {
      const embargo = await this.embargoes.lift(manager, id, `maintainer:${maintainerId}`);
      const membersTold = await this.notices.lifted(manager, embargo);
      // An embargo over: the maintainers get a checkpoint of the audit log that includes it (issue 10).
      await this.checkpoints.afterDecision(manager, 'embargo.lifted');
      return { embargo, membersTold };
    });
  }
}
