import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError } from '@cordon/errors';
import { Member, MemberStatus } from '../entities/member.entity';

export interface MemberSummary {
  id: string;
  email: string;
  organisation: string;
  status: MemberStatus;
  keyFingerprint: string;
  keyAlgorithm: string;
  keyExpiresAt: Date | null;
  acknowledgedPolicyVersion: number | null;
  joinedAt: Date;
}

@Injectable()
export class MemberQueries {
  constructor(private readonly dataSource: DataSource) {}

  async list(status?: MemberStatus): Promise<MemberSummary[]> {
    const repo = this.dataSource.getRepository(Member);
    const members = await repo.find({ where: status ? { status } : {}, order: { organisation: 'ASC' } });
    return members.map((m) => ({
      id: m.id,
      email: m.email,
      organisation: m.organisation,
      status: m.status,
      keyFingerprint: m.keyFingerprint,
      keyAlgorithm: m.keyAlgorithm,
      keyExpiresAt: m.keyExpiresAt,
      acknowledgedPolicyVersion: m.acknowledgedPolicyVersion,
      joinedAt: m.joinedAt,
    }));
  }

  async get(id: string): Promise<Member> {
    const member = await this.dataSource.getRepository(Member).findOneBy({ id });
    if (!member) throw new DomainError('NOT_FOUND', 'There is no such member.');
    return member;
  }
}
