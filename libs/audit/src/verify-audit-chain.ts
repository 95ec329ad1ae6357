import { DataSource } from 'typeorm';
import { AuditEntry } from './audit-entry.entity';
import { chainHash, GENESIS_HASH } from './chain';

export type AuditVerdict =
  { ok: true; entries: number; headHash: string } | { ok: false; entries: number; firstBadSeq: string; reason: string };

const PAGE = 1000;

/** Walks the whole chain in order; names the first entry that was edited, deleted or moved. */
export async function verifyAuditChain(dataSource: DataSource): Promise<AuditVerdict> {
  const repo = dataSource.getRepository(AuditEntry);
  let expectedSeq = 1n;
  let prevHash = GENESIS_HASH;
  let count = 0;
  for (;;) {
    const page = await repo
      .createQueryBuilder('e')
      .where('e.seq >= :from', { from: String(expectedSeq) })
      .orderBy('e.seq', 'ASC')
      .take(PAGE)
      .getMany();
    for (const entry of page) {
      const bad = (reason: string): AuditVerdict => ({ ok: false, entries: count, firstBadSeq: entry.seq, reason });
      if (BigInt(entry.seq) !== expectedSeq) {
        return { ok: false, entries: count, firstBadSeq: String(expectedSeq), reason: 'entry missing (deleted)' };
      }
      if (entry.prevHash !== prevHash) return bad('does not follow the entry before it (deleted or reordered)');
      if (chainHash(prevHash, entry) !== entry.hash) return bad('contents changed since it was written');
      prevHash = entry.hash;
      expectedSeq += 1n;
      count += 1;
    }
    if (page.length < PAGE) break;
  }
  const head = (await dataSource.query('SELECT seq, hash FROM audit_head WHERE id = 1')) as {
    seq: string;
    hash: string;
  }[];
  const headSeq = head.length ? BigInt(head[0].seq) : 0n;
  const headHash = head.length ? head[0].hash : GENESIS_HASH;
  if (headSeq !== expectedSeq - 1n || headHash !== prevHash) {
    const firstBadSeq = String(expectedSeq);
    return { ok: false, entries: count, firstBadSeq, reason: `the newest entries are missing (head is at ${headSeq})` };
  }
  return { ok: true, entries: count, headHash: prevHash };
}
