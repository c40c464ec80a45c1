import { z } from 'zod';
import { createMachineSchema } from '../machines/machine-input.ts';
import { createRunSchema, eventsQuery, listRunsQuery, resumeRunSchema } from '../runs/run-input.ts';
import { errorObject, eventObject, listOf, machineObject, runObject } from './schemas.ts';

interface RouteDoc {
  method: 'get' | 'post' | 'delete';
  path: string;
  summary: string;
  body?: z.ZodType;
  query?: z.ZodObject;
  response?: z.ZodType;
  responseType?: string;
  status?: number;
  public?: boolean;
}

const routes: RouteDoc[] = [
  {
    method: 'get',
    path: '/v1/health',
    summary: 'Is the daemon up',
    public: true,
    response: z.object({ ok: z.boolean(), version: z.string() }),
  },
  {
    method: 'get',
    path: '/v1/openapi.json',
    summary: 'This description',
    response: z.record(z.string(), z.unknown()),
  },
  {
    method: 'post',
    path: '/v1/runs',
    summary: 'Create a run',
    body: createRunSchema,
    response: runObject,
    status: 201,
  },
  {
    method: 'get',
    path: '/v1/runs',
    summary: 'List runs, newest first',
    query: listRunsQuery,
    response: listOf(runObject),
  },
  { method: 'get', path: '/v1/runs/{id}', summary: 'Get a run', response: runObject },
  { method: 'post', path: '/v1/runs/{id}/cancel', summary: 'Cancel a run', response: runObject },
  {
    method: 'post',
    path: '/v1/runs/{id}/pause',
    summary: 'Pause a running run before its next action',
    response: runObject,
  },
  {
    method: 'post',
    path: '/v1/runs/{id}/resume',
    summary: 'Resume a run that awaits a human',
    body: resumeRunSchema,
    response: runObject,
  },
  {
    method: 'get',
    path: '/v1/runs/{id}/events',
    summary: 'The run as Server-Sent Events, or a page of events with Accept: application/json',
    query: eventsQuery,
    response: listOf(eventObject),
    responseType: 'text/event-stream',
  },
  {
    method: 'get',
    path: '/v1/events',
    summary:
      'Every change to every run as Server-Sent Events (run.created, run.updated), each the ' +
      'current run object, at most one per run every 250 ms; live only, nothing is replayed',
    responseType: 'text/event-stream',
  },
  {
    method: 'get',
    path: '/v1/runs/{id}/steps',
    summary: 'The steps the run took',
    response: listOf(z.record(z.string(), z.unknown())),
  },
  {
    method: 'get',
    path: '/v1/runs/{id}/screenshots/{screenshot_id}',
    summary: 'A screenshot exactly as the model saw it',
    responseType: 'image/png',
  },
  {
    method: 'get',
    path: '/v1/machines',
    summary: 'List machines',
    response: listOf(machineObject),
  },
  {
    method: 'post',
    path: '/v1/machines',
    summary: 'Start a virtual display',
    body: createMachineSchema,
    response: machineObject,
    status: 201,
  },
  { method: 'get', path: '/v1/machines/{id}', summary: 'Get a machine', response: machineObject },
  {
    method: 'get',
    path: '/v1/machines/{id}/screenshot',
    summary: 'What the machine shows now',
    responseType: 'image/png',
  },
  {
    method: 'delete',
    path: '/v1/machines/{id}',
    summary: 'Stop a virtual machine and everything on it',
  },
  {
    method: 'get',
    path: '/v1/webhook_secret',
    summary: 'The secret that signs webhooks',
    response: z.object({ secret: z.string() }),
  },
];

function jsonSchema(schema: z.ZodType, io: 'input' | 'output') {
  return z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' });
}

function operation(route: RouteDoc) {
  const parameters = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => ({
    name: match[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
  if (route.query) {
    for (const [name, field] of Object.entries(route.query.shape)) {
      parameters.push({
        name,
        in: 'query',
        required: false,
        schema: jsonSchema(field as z.ZodType, 'input') as never,
      });
    }
  }

  const content = route.responseType
    ? {
        [route.responseType]: {},
        ...(route.response
          ? { 'application/json': { schema: jsonSchema(route.response, 'output') } }
          : {}),
      }
    : route.response
      ? { 'application/json': { schema: jsonSchema(route.response, 'output') } }
      : undefined;

  return {
    summary: route.summary,
    ...(route.public ? { security: [] } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(route.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: jsonSchema(route.body, 'input') } },
          },
        }
      : {}),
    responses: {
      [String(route.status ?? 200)]: { description: 'OK', ...(content ? { content } : {}) },
      default: {
        description: 'An error',
        content: { 'application/json': { schema: jsonSchema(errorObject, 'output') } },
      },
    },
  };
}

/** The OpenAPI 3.1 description of the API, built from the schemas that validate its requests. */
export function openApiDocument(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    paths[route.path] = { ...paths[route.path], [route.method]: operation(route) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'deskpilot',
      version,
      description: 'Run computer-use agents on your own machine.',
    },
    servers: [{ url: 'http://127.0.0.1:7878' }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      },
    },
    security: [{ bearer: [] }, { apiKey: [] }],
    paths,
  };
}
