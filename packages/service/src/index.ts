export {
  type HttpPart,
  type HttpServiceContext,
  type HttpServiceDefinition,
  type RunningHttpService,
  runHttpService,
} from './http.ts';
export { connectRedis } from './redis.ts';
export { runService, type ServiceContext, type ServiceDefinition, type StagePart } from './service.ts';
export { type RunningStage, runStage, type StageOptions } from './stage.ts';
