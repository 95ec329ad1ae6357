export { openPost, openSignedMail } from './open-post';
export { MailSigner, OpenContext, OpenedMail, OpenedPost, PostSigner } from './opened-post';
export { PostRefusal } from './post-refusal';
export { RefusalCode, refusalCodes } from '../refusals/refusal-catalogue';
export { decryptWithListKey, MAX_KEY_PACKETS } from './decrypt-for-list';
export { MAX_SIGNATURES } from './signer';
