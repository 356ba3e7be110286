import { type ErrorCode, VigilError, type VigilErrorOptions } from '@vigil/errors';

/** The control API's codes and the HTTP status each answers with; docs/errors.md says what to do. */
export const CONTROL_STATUS = {
  VIGIL_CONTROL_BAD_REQUEST: 400,
  VIGIL_CONTROL_INVALID_MARKUP: 400,
  VIGIL_CONTROL_UNAUTHENTICATED: 401,
  VIGIL_CONTROL_FORBIDDEN: 403,
  VIGIL_CONTROL_NOT_FOUND: 404,
  VIGIL_CONTROL_ALREADY_EXISTS: 409,
  VIGIL_CONTROL_VERSION_CONFLICT: 409,
  VIGIL_CONTROL_LAST_ADMIN: 409,
  VIGIL_CONTROL_BOOTSTRAP_CLOSED: 409,
  VIGIL_CONTROL_BODY_TOO_LARGE: 413,
  VIGIL_CONTROL_UNSUPPORTED_MEDIA_TYPE: 415,
  VIGIL_CONTROL_INTERNAL: 500,
  VIGIL_CONTROL_UNAVAILABLE: 503,
} as const satisfies Partial<Record<ErrorCode, number>>;

export type ControlCode = keyof typeof CONTROL_STATUS;

export function controlError(code: ControlCode, message: string, options?: VigilErrorOptions): VigilError {
  return new VigilError(code, message, options);
}

export function notFound(what: string, key: string): VigilError {
  return controlError('VIGIL_CONTROL_NOT_FOUND', `no ${what} ${key}`, { what, key });
}

export function isControlCode(code: string): code is ControlCode {
  return Object.hasOwn(CONTROL_STATUS, code);
}
