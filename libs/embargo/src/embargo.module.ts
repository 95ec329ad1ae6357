import { Module } from '@nestjs/common';
import { Embargoes } from './embargoes';
import { Policies } from './policies';

@Module({ providers: [Policies, Embargoes], exports: [Policies, Embargoes] })
export class EmbargoModule {}
