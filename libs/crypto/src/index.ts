import { ListKeyRecord } from './list-key.entity';

export {
  checkKey,
  inspectPublicKey,
  readOneKey,
  addressOf,
  fullOpenpgpConfig,
  KeyDetails,
  KeyPolicyOptions,
} from './key-policy';
export { MemberKey, canEncryptAt, KeyRefusal, EncryptionPacket } from './member-key';
export { newToken, hashToken, sameSecret } from './secure-token';
export { ServerSecret } from './server-secret';
export { openpgpConfig, MAX_DECOMPRESSED_BYTES } from './openpgp-config';
export { signAndEncrypt } from './encrypt';
export { ListKey, ListKeyImport, SERVER_SECRET } from './list-key';
export { CryptoModule } from './crypto.module';
export { OneTimeLinks, LinkPurpose } from './one-time-links';
export { ListKeyRecord };
export const cryptoEntities = [ListKeyRecord];
export { LinksIssued } from './links-issued';
