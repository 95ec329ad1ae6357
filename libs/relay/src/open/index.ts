export { openPost } from './open-post';
export { OpenContext, OpenedPost, PostSigner } from './opened-post';
export { PostRefusal, RefusalCode, refusalCodes } from './post-refusal';
