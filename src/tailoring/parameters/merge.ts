/**
 * Layered parameters: deep merge of plain objects (arrays and scalars are
 * replaced), with the layer each leaf value came from.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface Layer {
  name: string;
  values: JsonObject;
}

export function isPlainObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function mergeLayers(layers: Layer[]): { values: JsonObject; sources: Record<string, string> } {
  const values: JsonObject = {};
  const sources: Record<string, string> = {};
  for (const layer of layers) apply(values, layer.values, layer.name, sources, '');
  return { values, sources };
}

function apply(target: JsonObject, patch: JsonObject, layer: string, sources: Record<string, string>, prefix: string) {
  for (const [k, v] of Object.entries(patch)) {
    if (k === '__proto__' || k === 'constructor' || k === 'prototype') continue;
    const path = prefix ? `${prefix}.${k}` : k;
    if (isPlainObject(v) && isPlainObject(target[k])) {
      apply(target[k] as JsonObject, v, layer, sources, path);
    } else if (isPlainObject(v)) {
      target[k] = {};
      for (const key of Object.keys(sources)) if (key.startsWith(`${path}.`)) delete sources[key];
      apply(target[k] as JsonObject, v, layer, sources, path);
    } else {
      for (const key of Object.keys(sources)) if (key.startsWith(`${path}.`)) delete sources[key];
      target[k] = structuredClone(v);
      sources[path] = layer;
    }
  }
}
