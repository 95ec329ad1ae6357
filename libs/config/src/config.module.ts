import { DynamicModule, Global, Module } from '@nestjs/common';
import { Settings } from './settings';

/** The injection token for the validated Settings object. */
export const SETTINGS = Symbol('SETTINGS');

@Global()
@Module({})
export class ConfigModule {
  static forRoot(settings: Settings): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: SETTINGS, useValue: settings }], exports: [SETTINGS] };
  }
}
