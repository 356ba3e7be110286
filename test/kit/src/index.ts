export * from './env.ts';
export * from './kafka.ts';
export * from './lag.ts';
export * from './pipeline.ts';
export * from './process.ts';
export * from './proxy.ts';
export * from './redis.ts';
export * from './science.ts';
