import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { identityOf, Maintainer, MaintainerIdentity } from './maintainer.entity';

/** The maintainer behind a session, if still active: a disabled maintainer's sessions stop working at once. */
@Injectable()
export class FindActiveMaintainer {
  constructor(private readonly dataSource: DataSource) {}

  async execute(id: string): Promise<MaintainerIdentity | null> {
    const maintainer = await this.dataSource.manager.findOne(Maintainer, { where: { id, status: 'active' } });
    return maintainer ? identityOf(maintainer) : null;
  }
}
