/**
 * Small, defensive helpers over the bpmn-moddle tree: every accessor tolerates
 * missing or oddly shaped properties, because deployed models are untrusted
 * and exotic exports (MIWG) must never crash validation.
 */
import type { ModdleElement } from 'bpmn-moddle';

/** `el` is an instance of the moddle type (or a subtype), e.g. 'bpmn:FlowNode'. */
export function isA(el: unknown, type: string): el is ModdleElement {
  const fn = (el as { $instanceOf?: unknown } | null)?.$instanceOf;
  return typeof fn === 'function' && (fn as (t: string) => boolean).call(el, type) === true;
}

export function list(v: unknown): ModdleElement[] {
  return Array.isArray(v) ? (v.filter((x) => x && typeof x === 'object') as ModdleElement[]) : [];
}

/** Trimmed non-empty string, else undefined. */
export function text(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

export function flowElements(container: ModdleElement): ModdleElement[] {
  return list(container.flowElements);
}

/** Every flow element of the process, sub-processes included (depth first). */
export function allFlowElements(proc: ModdleElement): ModdleElement[] {
  const out: ModdleElement[] = [];
  const visit = (c: ModdleElement, depth: number) => {
    if (depth > 100) return;
    for (const el of flowElements(c)) {
      out.push(el);
      if (el.flowElements) visit(el, depth + 1);
    }
  };
  visit(proc, 0);
  return out;
}

/** Camunda (or other) extension elements of a type, e.g. 'camunda:InputOutput'. */
export function extensions(el: ModdleElement, type: string): ModdleElement[] {
  const ext = el.extensionElements as ModdleElement | undefined;
  return list(ext?.values).filter((v) => v.$type === type || isA(v, type));
}

export function eventDefinitions(el: ModdleElement, type?: string): ModdleElement[] {
  const defs = list(el.eventDefinitions);
  return type ? defs.filter((d) => isA(d, type)) : defs;
}

/** Body of a bpmn:FormalExpression-like child (conditionExpression, timeDuration, …). */
export function bodyOf(expr: unknown): string | undefined {
  return text((expr as { body?: unknown } | null | undefined)?.body);
}

/** A readable label for messages: `"Name" (id)` or just the id. */
export function label(el: ModdleElement): string {
  const name = text(el.name);
  return name ? `"${name}"` : `"${String(el.id ?? el.$type)}"`;
}
