export { DomainError, ErrorCode, ErrorKind, errorKinds } from './domain-error';
