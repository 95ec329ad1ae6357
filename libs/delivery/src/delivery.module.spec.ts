import { Global, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { AUDIT_CHAIN_KEY, AuditLog } from '@cordon/audit';
import { ConfigModule } from '@cordon/config';
import { ListKey } from '@cordon/crypto';
import { testSettings } from '../../../test/support/settings';
import { AuditCheckpoints } from './audit-checkpoints';
import { DeliveryModule } from './delivery.module';
import { DeliveryWorker } from './delivery-worker';
import { FileTransport } from './file-transport';
import { MailTransport } from './mail-transport';
import { Outbox } from './outbox';
import { SmtpTransport } from './smtp-transport';

// Stand-ins for the global providers the core modules give every app.
@Global()
@Module({
  providers: [
    { provide: DataSource, useValue: {} },
    { provide: ListKey, useValue: {} },
    { provide: AUDIT_CHAIN_KEY, useValue: Buffer.alloc(32) },
    AuditLog,
  ],
  exports: [DataSource, ListKey, AuditLog],
})
class FakeCoreModule {}

async function compile(env: Record<string, string>) {
  return Test.createTestingModule({
    imports: [
      ConfigModule.forRoot(testSettings({ DATA_DIR: '/nonexistent/cordon', ...env })),
      FakeCoreModule,
      DeliveryModule,
    ],
  }).compile();
}

describe('DeliveryModule', () => {
  it('writes .eml files when no outbound relay is set', async () => {
    const moduleRef = await compile({});
    expect(moduleRef.get(MailTransport)).toBeInstanceOf(FileTransport);
    expect(moduleRef.get(Outbox)).toBeInstanceOf(Outbox);
    expect(moduleRef.get(DeliveryWorker)).toBeInstanceOf(DeliveryWorker);
    expect(moduleRef.get(AuditCheckpoints)).toBeInstanceOf(AuditCheckpoints);
    await moduleRef.close();
  });

  it('uses the relay of OUTBOUND_SMTP_URL when set', async () => {
    const moduleRef = await compile({ OUTBOUND_SMTP_URL: 'smtp://127.0.0.1:2525' });
    expect(moduleRef.get(MailTransport)).toBeInstanceOf(SmtpTransport);
    await moduleRef.close();
  });
});
