import { AuditEntry } from './audit-entry.entity';

export { AuditEntry };
export { AuditLog, AuditRecord, AuditHead, Actor, CHAIN_KEYED_ACTION } from './audit-log';
export { AUDIT_CHAIN_KEY, auditChainKey } from './chain';
export { verifyAuditChain, AuditVerdict, AuditProblem, CheckpointClaim } from './verify-audit-chain';
export { Checkpoint, checkpointText, signCheckpoint, readCheckpoint } from './checkpoint';
export { AuditModule } from './audit.module';
export const auditEntities = [AuditEntry];
export { AuditTrail, AuditTrailEntry } from './audit-trail';
