import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { unusedRecoveryCodes } from './recovery-codes';

/** How many unused recovery codes a maintainer has, for its recovery codes page. */
@Injectable()
export class RecoveryCodesLeft {
  constructor(private readonly dataSource: DataSource) {}

  execute(maintainerId: string): Promise<number> {
    return unusedRecoveryCodes(this.dataSource.manager, maintainerId);
  }
}
