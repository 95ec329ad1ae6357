export { openPost, openSignedMail } from './open-post';
export { MailSigner, OpenContext, OpenedMail, OpenedPost, PostSigner } from './opened-post';
export { PostRefusal, RefusalCode, refusalCodes } from './post-refusal';
