/**
 * Checks replies of the WaaS pull API against INPS's own OpenAPI document
 * (docs/inps/api-comuni.yaml, OpenAPI 3.0): status listed for the operation
 * (or, for 401/403/503, the document's shared responses), media type and
 * body schema. OpenAPI 3.0 schema dialect → JSON Schema for ajv: boolean
 * exclusiveMaximum/Minimum, `example`, `xml` are translated or dropped.
 */
import fs from 'node:fs';
import { parse } from 'yaml';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

type Json = Record<string, unknown>;
const doc = parse(fs.readFileSync(new URL('../../docs/inps/api-comuni.yaml', import.meta.url), 'utf8')) as Json;
const components = doc.components as { schemas: Record<string, Json>; responses: Record<string, Json> };

function toJsonSchema(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(toJsonSchema);
  if (!s || typeof s !== 'object') return s;
  const o = { ...(s as Json) };
  delete o.example;
  delete o.examples;
  delete o.xml;
  for (const [k, bound] of [['exclusiveMaximum', 'maximum'], ['exclusiveMinimum', 'minimum']] as const) {
    if (typeof o[k] === 'boolean') {
      if (o[k]) o[k] = o[bound];
      else delete o[k];
      if (o[k] !== undefined) delete o[bound];
    }
  }
  if (o.nullable === true) {
    delete o.nullable;
    return { anyOf: [toJsonSchema(o), { type: 'null' }] };
  }
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, k === 'properties' ? Object.fromEntries(Object.entries(v as Json).map(([pk, pv]) => [pk, toJsonSchema(pv)])) : toJsonSchema(v)]));
}

const ajv = new Ajv({ allErrors: true, strict: false });
(addFormats as unknown as (a: Ajv) => void)(ajv);
ajv.addSchema({ $id: 'waas', components: { schemas: toJsonSchema(components.schemas) } });
const validators = new Map<string, ValidateFunction>();

function rebase(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rebase);
  if (schema && typeof schema === 'object') return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' ? `waas${v}` : rebase(v)]));
  return schema;
}

function resolveResponse(r: Json): Json {
  const ref = r.$ref as string | undefined;
  return ref ? components.responses[ref.split('/').pop()!]! : r;
}

/** Throws when the reply does not fit api-comuni.yaml. */
export function checkWaasReply(method: string, path: '/flussi' | '/esiti' | '/status', status: number, contentType: string | null, body: unknown): void {
  const op = ((doc.paths as Json)[path] as Json)[method.toLowerCase()] as { responses: Record<string, Json> };
  let described = op.responses[String(status)] ?? op.responses.default;
  if (!described && [401, 403, 503].includes(status)) described = components.responses[`${status}${status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : 'ServiceUnavailable'}`];
  if (!described) throw new Error(`api-comuni.yaml: ${method} ${path} does not list status ${status}`);
  const content = resolveResponse(described).content as Record<string, { schema: unknown }> | undefined;
  if (!content) {
    if (body !== null && body !== '') throw new Error(`api-comuni.yaml: ${method} ${path} ${status} has no body, got ${JSON.stringify(body)}`);
    return;
  }
  const [mediaType, media] = Object.entries(content)[0]!;
  if (!contentType?.startsWith(mediaType)) throw new Error(`api-comuni.yaml: ${method} ${path} ${status} must be ${mediaType}, got ${contentType}`);
  const key = `${method} ${path} ${status}`;
  let validate = validators.get(key);
  if (!validate) validators.set(key, (validate = ajv.compile(rebase(media.schema) as object)));
  if (!validate(body)) throw new Error(`api-comuni.yaml: ${key} body does not match: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 400)}`);
}
