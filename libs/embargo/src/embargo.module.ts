import { Module } from '@nestjs/common';
import { Policies } from './policies';

@Module({ providers: [Policies], exports: [Policies] })
export class EmbargoModule {}
