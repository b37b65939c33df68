/** A `Status` body as the API server sends with every error (the client surfaces it on ApiException.body). */
export interface ApiError {
  code: number;
  reason: string;
  message: string;
  details?: { name?: string; group?: string; kind?: string };
}

export function statusBody(error: ApiError): Record<string, unknown> {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: error.message,
    reason: error.reason,
    ...(error.details ? { details: error.details } : {}),
    code: error.code,
  };
}

export class ApiFailure extends Error {
  constructor(readonly error: ApiError) {
    super(error.message);
  }
}

export function notFound(resource: string, name: string, group = ''): ApiFailure {
  const qualified = group ? `${resource}.${group}` : resource;
  return new ApiFailure({ code: 404, reason: 'NotFound', message: `${qualified} "${name}" not found`, details: { name, group, kind: resource } });
}

export function conflict(resource: string, name: string, group: string): ApiFailure {
  return new ApiFailure({
    code: 409,
    reason: 'Conflict',
    message: `Operation cannot be fulfilled on ${resource}.${group} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    details: { name, group, kind: resource },
  });
}

export function alreadyExists(resource: string, name: string, group: string): ApiFailure {
  return new ApiFailure({
    code: 409,
    reason: 'AlreadyExists',
    message: `${resource}.${group} "${name}" already exists`,
    details: { name, group, kind: resource },
  });
}

export function badRequest(message: string): ApiFailure {
  return new ApiFailure({ code: 400, reason: 'BadRequest', message });
}

export function invalid(kind: string, name: string, message: string): ApiFailure {
  return new ApiFailure({ code: 422, reason: 'Invalid', message: `${kind} "${name}" is invalid: ${message}`, details: { name, kind } });
}
