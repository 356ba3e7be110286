export * from './env.ts';
export * from './kafka.ts';
export * from './process.ts';
export * from './proxy.ts';
export * from './redis.ts';
