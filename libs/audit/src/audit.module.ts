import { DynamicModule, Global, Module } from '@nestjs/common';
import { AuditLog } from './audit-log';
import { AUDIT_CHAIN_KEY } from './chain';

/** The audit log, with the chain key the entry point derived from the server secret (`auditChainKey`). */
@Global()
@Module({})
export class AuditModule {
  static forKey(key: Buffer): DynamicModule {
    return {
      module: AuditModule,
      global: true,
      providers: [{ provide: AUDIT_CHAIN_KEY, useValue: key }, AuditLog],
      exports: [AUDIT_CHAIN_KEY, AuditLog],
    };
  }
}
