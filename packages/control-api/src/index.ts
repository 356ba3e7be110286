export { ControlApiError, type ControlClient, type ControlClientOptions, createControlClient } from './client.ts';
export { RIGHT_MEANINGS, RIGHTS, type Right } from './rights.ts';
export {
  API_PREFIX,
  CONTROL_ROUTES,
  type ControlRoutes,
  type RouteInput,
  type RouteName,
  type RouteOutput,
  type RouteRequest,
  type RouteSpec,
} from './routes.ts';
export * as schemas from './schemas.ts';
export { INTERVAL_KINDS, PAGE_LIMIT } from './schemas.ts';
