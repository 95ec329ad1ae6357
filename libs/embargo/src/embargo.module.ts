import { Module } from '@nestjs/common';
import { EmbargoQueries } from './embargo-queries';
import { Embargoes } from './embargoes';
import { Policies } from './policies';

@Module({ providers: [Policies, Embargoes, EmbargoQueries], exports: [Policies, Embargoes, EmbargoQueries] })
export class EmbargoModule {}
