import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Maintainer, MaintainerStatus } from './maintainer.entity';

export interface MaintainerSummary {
  id: string;
  name: string;
  email: string;
  keyFingerprint: string;
  status: MaintainerStatus;
  createdAt: Date;
}

/** Every maintainer, for the admin page: who may sign posts, and with which key. */
@Injectable()
export class ListMaintainers {
  constructor(private readonly dataSource: DataSource) {}

  async execute(): Promise<MaintainerSummary[]> {
    const all = await this.dataSource.manager.find(Maintainer, { order: { name: 'ASC' } });
    return all.map(({ id, name, email, keyFingerprint, status, createdAt }) => ({
      id,
      name,
      email,
      keyFingerprint,
      status,
      createdAt,
    }));
  }
}
