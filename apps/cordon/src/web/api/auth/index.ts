export { ApiAuthModule } from './api-auth.module';
export { ApiTokenGuard } from './api-token.guard';
export { CurrentApiMaintainer } from './current-api-maintainer.decorator';
export { ApiTokensController, MaintainerDto } from './api-tokens.controller';
