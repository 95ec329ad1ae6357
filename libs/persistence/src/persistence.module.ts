import { DynamicModule, Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Database } from './data-source';
import { QueueWakeups } from './queue-wakeups';

export const DATABASE = Symbol('DATABASE');

/**
 * Provides the TypeORM DataSource opened by the app's entry point, and the QueueWakeups that listen
 * beside it (started by the roles that run queue loops), and closes both on shutdown.
 */
@Global()
@Module({})
export class PersistenceModule implements OnApplicationShutdown {
  constructor(
    @Inject(DATABASE) private readonly database: Database,
    private readonly wakeups: QueueWakeups,
  ) {}

  static forDatabase(database: Database): DynamicModule {
    return {
      module: PersistenceModule,
      providers: [
        { provide: DATABASE, useValue: database },
        { provide: DataSource, useValue: database.dataSource },
        { provide: QueueWakeups, useFactory: () => new QueueWakeups(database.newClient) },
      ],
      exports: [DATABASE, DataSource, QueueWakeups],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    // The loops stopped at module destroy, before this; the listener goes before the database.
    await this.wakeups.close();
    if (this.database.dataSource.isInitialized) await this.database.close();
  }
}
