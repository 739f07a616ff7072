/**
 * Checks API replies against the OpenAPI description (src/api/openapi): the
 * test harness's HTTP client calls checkReply for every /api/v1 reply, so
 * every API test also tests the description. A 2xx status the operation does
 * not describe, or a JSON body that does not fit its schema, throws.
 * Off with OPENAPI_CHECK=0 (or setOpenApiCheck(false)).
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { buildOpenApi } from '../../src/api/openapi/document.js';

let enabled = process.env.OPENAPI_CHECK !== '0';
export function setOpenApiCheck(on: boolean): void {
  enabled = on;
}

interface Operation {
  method: string;
  pattern: RegExp;
  path: string;
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

let compiled: { ops: Operation[]; validators: Map<string, ValidateFunction>; ajv: Ajv2020 } | null = null;

function setup() {
  if (compiled) return compiled;
  const doc = buildOpenApi('test') as { paths: Record<string, Record<string, { responses: Operation['responses'] }>>; components: { schemas: Record<string, unknown> } };
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  (addFormats as unknown as (a: Ajv2020) => void)(ajv);
  ajv.addSchema({ $id: 'api', components: doc.components }, 'api');
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    const pattern = new RegExp(`^/api/v1${path.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}$`);
    for (const [method, op] of Object.entries(methods)) ops.push({ method: method.toUpperCase(), pattern, path, responses: op.responses });
  }
  // A literal path (/users/me/password) wins over a templated one (/users/{username}).
  ops.sort((a, b) => (a.path.match(/\{/g)?.length ?? 0) - (b.path.match(/\{/g)?.length ?? 0));
  compiled = { ops, validators: new Map(), ajv };
  return compiled;
}

/** Refs written for the document (#/components/…) made to point at the schema registered as `api`. */
function rebase(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rebase);
  if (schema && typeof schema === 'object') {
    return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `api${v}` : rebase(v)]));
  }
  return schema;
}

export function checkReply(method: string, url: string, status: number, contentType: string | null, body: unknown): void {
  if (!enabled) return;
  const path = url.split('?')[0]!;
  if (!path.startsWith('/api/v1/')) return;
  const { ops, validators, ajv } = setup();
  const op = ops.find((o) => o.method === method && o.pattern.test(path));
  if (!op) return; // not described: the coverage test (test/api/openapi.test.ts) reports mounted routes without a description
  const described = op.responses[String(status)] ?? (status >= 400 ? op.responses.default : undefined);
  if (!described) throw new Error(`OpenAPI: ${method} ${op.path} answered ${status}, which the description does not list (${Object.keys(op.responses).join(', ')})`);
  const schema = described.content?.['application/json']?.schema;
  if (!schema || !contentType?.includes('application/json')) return;
  const key = `${method} ${op.path} ${status}`;
  let validate = validators.get(key);
  if (!validate) {
    validate = ajv.compile(rebase(schema) as object);
    validators.set(key, validate);
  }
  if (!validate(body)) {
    throw new Error(`OpenAPI: the ${status} reply of ${method} ${op.path} does not match its schema: ${ajv.errorsText(validate.errors, { separator: '; ' })}\n${JSON.stringify(body).slice(0, 500)}`);
  }
}
