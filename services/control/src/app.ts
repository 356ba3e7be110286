import fastifySwagger from '@fastify/swagger';
import { API_PREFIX, CONTROL_ROUTES, type RouteName, type RouteSpec, schemas } from '@vigil/control-api';
import { isRetriable, isVigilError } from '@vigil/errors';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import { listAudit } from './audit.ts';
import { type Authenticator, bearerOf } from './auth.ts';
import { CONTROL_STATUS, type ControlCode, controlError, isControlCode } from './errors.ts';
import type { RequestContext } from './principal.ts';
import { allows } from './rights.ts';
import { type ControlDeps, deny, type Handler, type Handlers } from './routes/handler.ts';
import { identityHandlers } from './routes/identity.ts';
import { markupHandlers } from './routes/markups.ts';
import { sessionHandlers } from './routes/session.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The control route this is, for the authentication hook. */
    controlRoute?: RouteName | 'openapi';
  }
  interface FastifyRequest {
    control?: RequestContext;
  }
}

export interface ControlAppOptions extends ControlDeps {
  authenticator: Authenticator;
  /** `info.version` of the OpenAPI document. */
  version: string;
}

function send(reply: FastifyReply, code: ControlCode, message: string, issues?: { path: string; message: string }[]) {
  return reply.code(CONTROL_STATUS[code]).send({ code, message, ...(issues ? { issues } : {}) });
}

/** fastify's own refusals (before a handler runs) in the API's vocabulary. */
const FASTIFY_CODES: Readonly<Record<string, ControlCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'VIGIL_CONTROL_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'VIGIL_CONTROL_UNSUPPORTED_MEDIA_TYPE',
};

function handleError(app: FastifyInstance) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const issues = error.validation.map((v) => ({
        path: [error.validationContext, ...v.instancePath.split('/').filter(Boolean)].join('.'),
        message: v.message ?? 'invalid',
      }));
      return send(
        reply,
        'VIGIL_CONTROL_BAD_REQUEST',
        `invalid request: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
        issues,
      );
    }
    if (isVigilError(error) && isControlCode(error.code)) {
      const issues = error.context.issues as { path: string; message: string }[] | undefined;
      return send(reply, error.code, error.message, issues);
    }
    if (isRetriable(error)) {
      request.log.warn({ err: error }, 'request failed on a dependency');
      return send(reply, 'VIGIL_CONTROL_UNAVAILABLE', `try again: ${error.message}`);
    }
    const mapped = FASTIFY_CODES[error.code];
    if (mapped) return send(reply, mapped, error.message);
    // Malformed JSON, a missing body and fastify's other 4xx: the client's mistake, said as such.
    if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      return send(reply, 'VIGIL_CONTROL_BAD_REQUEST', error.message);
    }
    app.log.error({ err: error, url: request.url }, 'request failed');
    return send(reply, 'VIGIL_CONTROL_INTERNAL', 'internal error; the service log has the details');
  };
}

/**
 * Authenticates every API request before its body is read, and checks the
 * route's right; a missing right is audited and answered 403 before any
 * validation, so a caller learns nothing about a resource they may not touch.
 */
function authenticate(options: ControlAppOptions) {
  return async (request: FastifyRequest) => {
    const route = request.routeOptions.config.controlRoute;
    if (route === undefined) return;
    const bearer = bearerOf(request.headers.authorization);
    const context: RequestContext = { principal: undefined, requestId: request.id, bearer };
    request.control = context;
    if (route === 'bootstrap') return;
    if (bearer === undefined) {
      throw controlError('VIGIL_CONTROL_UNAUTHENTICATED', 'send Authorization: Bearer <token>');
    }
    context.principal = await options.authenticator.authenticate(bearer);
    if (route === 'openapi') return;
    const spec: RouteSpec = CONTROL_ROUTES[route];
    if (!allows(context.principal.rights, spec.right)) {
      const params = request.params as Record<string, string | undefined>;
      const target = params.name ?? params.id ?? null;
      await deny(options.pool, context, spec.action, target, `${spec.action} needs the ${spec.right} right`);
    }
  };
}

/** Registers the control API under /api/v1 on `app`, with its OpenAPI document and error handling. */
export async function registerControlApi(app: FastifyInstance, options: ControlAppOptions): Promise<void> {
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(handleError(app));
  // JSON only: fastify would also parse text/plain, and a string body would then fail as a schema error.
  app.removeContentTypeParser('text/plain');
  app.setNotFoundHandler((request, reply) =>
    send(reply, 'VIGIL_CONTROL_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`),
  );
  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'Vigil control API', version: options.version },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    // Every API route has a tag; the untagged ones are the shared health routes, outside the API.
    hideUntagged: true,
    transform: jsonSchemaTransform,
  });
  app.addHook('onRequest', authenticate(options));

  const handlers: Handlers<RouteName> = {
    ...sessionHandlers(options),
    ...identityHandlers(options),
    ...markupHandlers(options),
    listAudit: ({ query }) => listAudit(options.pool, query),
  };
  for (const [name, spec] of Object.entries(CONTROL_ROUTES) as [RouteName, RouteSpec][]) {
    const handler = handlers[name] as Handler<RouteName>;
    const error = { '4xx': schemas.ErrorBody, '5xx': schemas.ErrorBody };
    app.route({
      method: spec.method,
      url: `${API_PREFIX}${spec.path}`,
      config: { controlRoute: name },
      schema: {
        operationId: name,
        summary: spec.summary,
        description: spec.right === null ? 'Any authenticated caller.' : `Needs the ${spec.right} right.`,
        tags: [spec.action.split('.')[0] ?? 'control'],
        ...(spec.params ? { params: spec.params } : {}),
        ...(spec.query ? { querystring: spec.query } : {}),
        ...(spec.body ? { body: spec.body } : {}),
        response: spec.response ? { [spec.status]: spec.response, ...error } : error,
      },
      handler: async (request, reply) => {
        const parsed = { params: request.params, query: request.query, body: request.body } as Parameters<
          typeof handler
        >[0];
        const result = await handler(parsed, request.control as RequestContext);
        reply.code(spec.status);
        return spec.status === 204 ? reply.send() : result;
      },
    });
  }
  app.get(`${API_PREFIX}/openapi.json`, { config: { controlRoute: 'openapi' }, schema: { hide: true } }, async () =>
    app.swagger(),
  );
}
