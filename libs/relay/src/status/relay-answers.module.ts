import { Module } from '@nestjs/common';
import { EmbargoModule } from '@cordon/embargo';
import { RelayAnswers } from './relay-answers';

/**
 * What the relay answers for the embargo lib (RelayAnswers), once per container: imported by the
 * modules the web app and the relay role build on (PostStatusModule, RelayPipelineModule).
 */
@Module({ imports: [EmbargoModule], providers: [RelayAnswers] })
export class RelayAnswersModule {}
