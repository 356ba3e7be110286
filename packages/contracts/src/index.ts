export * from './schemas.ts';
export * from './topics.ts';
export type * from './types.ts';
