import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { OneTimeLinks } from '@cordon/crypto';
import { invalidEnrolmentLink } from './refusals';
import { Maintainer } from './maintainer.entity';

/** Whom a still-valid enrolment link is for, to greet them on the page; uses nothing up. */
@Injectable()
export class OpenEnrolmentLink {
  constructor(
    private readonly dataSource: DataSource,
    private readonly links: OneTimeLinks,
  ) {}

  async execute(token: string): Promise<{ name: string; email: string }> {
    const manager = this.dataSource.manager;
    const id = await this.links.peek(manager, 'maintainer_enrol', token);
    const maintainer = await manager.findOne(Maintainer, { where: { id } });
    if (!maintainer || maintainer.status !== 'invited') {
      throw invalidEnrolmentLink();
    }
    return { name: maintainer.name, email: maintainer.email };
  }
}
