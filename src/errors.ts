/**
 * One error hierarchy for the whole daemon. Every error carries a stable snake_case `code`; the
 * HTTP layer turns it into the single error shape of the API, and the run lifecycle stores it as
 * the run's `error.code`.
 */

export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'conflict_error'
  | 'unavailable_error'
  | 'api_error';

const STATUS_BY_TYPE: Record<ErrorType, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  conflict_error: 409,
  unavailable_error: 503,
  api_error: 500,
};

export interface ErrorOptions {
  param?: string;
  status?: number;
  cause?: unknown;
}

export class DeskpilotError extends Error {
  readonly code: string;
  readonly type: ErrorType;
  readonly status: number;
  readonly param: string | undefined;

  constructor(type: ErrorType, code: string, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.type = type;
    this.code = code;
    this.status = options.status ?? STATUS_BY_TYPE[type];
    this.param = options.param;
  }

  toBody(): { error: Record<string, string> } {
    const error: Record<string, string> = { type: this.type, code: this.code };
    if (this.param !== undefined) error['param'] = this.param;
    error['message'] = this.message;
    return { error };
  }
}

/** The client sent something the API cannot accept. */
export class InvalidRequestError extends DeskpilotError {
  constructor(code: string, message: string, options: ErrorOptions = {}) {
    super('invalid_request_error', code, message, options);
  }
}

export class AuthenticationError extends DeskpilotError {
  constructor(code: 'missing_api_key' | 'invalid_api_key', message: string) {
    super('authentication_error', code, message);
  }
}

export class PermissionError extends DeskpilotError {
  constructor(code: 'host_not_allowed' | 'origin_not_allowed', message: string) {
    super('permission_error', code, message);
  }
}

export class NotFoundError extends DeskpilotError {
  constructor(code: string, message: string, options: ErrorOptions = {}) {
    super('not_found_error', code, message, options);
  }
}

export class ConflictError extends DeskpilotError {
  constructor(code: 'invalid_state' | 'idempotency_key_reused', message: string) {
    super('conflict_error', code, message);
  }
}

export class UnavailableError extends DeskpilotError {
  constructor(code: string, message: string, options: ErrorOptions = {}) {
    super('unavailable_error', code, message, options);
  }
}

/** A setting the daemon cannot start with; the message names the setting and what it takes. */
export class ConfigError extends DeskpilotError {
  constructor(message: string, options: ErrorOptions = {}) {
    super('invalid_request_error', 'invalid_config', message, options);
  }
}

/**
 * Why a run ended without success. These codes are part of the API: clients branch on them.
 */
export type RunFailureCode =
  | 'max_steps_exceeded'
  | 'budget_exceeded'
  | 'awaiting_human'
  | 'verification_failed'
  | 'no_progress'
  | 'model_error'
  | 'model_refused'
  | 'agent_gave_up'
  | 'machine_lost'
  | 'deadline_exceeded'
  | 'daemon_stopped'
  | 'internal_error';

/**
 * Ends a run. Thrown from deep inside the agent loop (a model adapter, the desktop) and caught
 * once by the loop, which stores `code` and `message` as the run's error.
 */
export class RunError extends DeskpilotError {
  declare readonly code: RunFailureCode;

  constructor(code: RunFailureCode, message: string, options: ErrorOptions = {}) {
    super('api_error', code, message, options);
  }
}

/** A single action could not be performed; the model is told and the run goes on. */
export class ActionError extends DeskpilotError {
  constructor(code: string, message: string, options: ErrorOptions = {}) {
    super('invalid_request_error', code, message, options);
  }
}

export function isDeskpilotError(error: unknown): error is DeskpilotError {
  return error instanceof DeskpilotError;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
