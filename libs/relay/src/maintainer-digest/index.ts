export { MaintainerDigestModule } from './maintainer-digest.module';
export { MaintainerDigest, DigestRun } from './maintainer-digest';
export { WaitingForMaintainers, WaitingItem, WaitingKind, waitingKinds } from './waiting-for-maintainers';
export { digestDue } from './digest-timing';
