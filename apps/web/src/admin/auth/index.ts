export { AdminAuthModule } from './admin-auth.module';
export { MaintainerSessionGuard } from './maintainer-session.guard';
export { CurrentMaintainer, AdminUser } from './current-maintainer.decorator';
export { AdminSession, AdminLoginStage } from './admin-session';
export { AdminLoginController } from './login.controller';
export { AdminTotpController } from './totp.controller';
export { AdminEnrolmentController } from './enrol.controller';
export { AdminMaintainersController } from './maintainers.controller';
export { AdminTokensController } from './tokens.controller';
