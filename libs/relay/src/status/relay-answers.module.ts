import { Module } from '@nestjs/common';
import { EmbargoModule } from '@cordon/embargo';
import { MembershipModule } from '@cordon/membership';
import { RelayAnswers } from './relay-answers';

/**
 * What the relay answers for the libs below it (RelayAnswers), once per container: imported by the
 * modules the web app and the relay role build on (PostStatusModule, RelayPipelineModule), and by
 * the CLI's.
 */
@Module({ imports: [EmbargoModule, MembershipModule], providers: [RelayAnswers] })
export class RelayAnswersModule {}
