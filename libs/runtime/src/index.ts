export { openRuntime, coreModules, Runtime, allEntities } from './runtime';
export { initialise, InitialiseResult } from './initialise';
