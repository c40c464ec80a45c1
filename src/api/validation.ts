import type { Context } from 'hono';
import type { z } from 'zod';
import { InvalidRequestError } from '../errors.ts';

/**
 * Reads and validates a JSON body. With `emptyIsObject`, an empty body counts as `{}`, for routes
 * whose fields are all optional.
 */
export async function parseJsonBody<T extends z.ZodType>(
  c: Context,
  schema: T,
  { emptyIsObject = false } = {},
): Promise<z.infer<T>> {
  const text = await c.req.text();
  if (text.trim() === '' && emptyIsObject) return parseWith(schema, {});

  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new InvalidRequestError('invalid_json', 'the request body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidRequestError('invalid_json', 'the request body must be a JSON object');
  }
  return parseWith(schema, body);
}

export function parseQuery<T extends z.ZodType>(c: Context, schema: T): z.infer<T> {
  return parseWith(schema, c.req.query());
}

/**
 * Validates input against a schema and turns the first problem into the API's error: an unknown
 * field, a missing one, or one whose value is wrong, each naming the field in `param`.
 */
export function parseWith<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;

  const issue = result.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const param = [...issue.path, key].join('.');
    throw new InvalidRequestError('unknown_field', `${param} is not a field this route accepts`, {
      param,
    });
  }

  const param = issue.path.join('.');
  if (valueAt(input, issue.path) === undefined) {
    throw new InvalidRequestError('missing_field', `${param} is required`, { param });
  }
  const message = issue.message.startsWith(param) ? issue.message : `${param}: ${issue.message}`;
  throw new InvalidRequestError('invalid_field', message, { param });
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
