import { AuditEntry } from './audit-entry.entity';

export { AuditEntry };
export { AuditLog, AuditRecord, Actor } from './audit-log';
export { verifyAuditChain, AuditVerdict } from './verify-audit-chain';
export { AuditModule } from './audit.module';
export const auditEntities = [AuditEntry];
