export { CatchUp } from './catch-up';
export { catchUpContent, catchUpLine, CATCH_UP_HEADER, CATCH_UP_PREFIX, CatchUpSource } from './catch-up-copy';
