import { allEntities as everyEntity } from '@cordon/runtime';

/** Every entity of every lib: what the apps register with TypeORM. */
export const allEntities = everyEntity;
