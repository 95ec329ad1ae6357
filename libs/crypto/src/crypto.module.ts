import { DynamicModule, Global, Module } from '@nestjs/common';
import { ListKey, SERVER_SECRET } from './list-key';
import { OneTimeLinks } from './one-time-links';
import { ServerSecret } from './server-secret';

@Global()
@Module({})
export class CryptoModule {
  static forSecret(secret: ServerSecret): DynamicModule {
    return {
      module: CryptoModule,
      providers: [{ provide: SERVER_SECRET, useValue: secret }, ListKey, OneTimeLinks],
      exports: [SERVER_SECRET, ListKey, OneTimeLinks],
    };
  }
}
