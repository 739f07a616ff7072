/**
 * Parses a BPMN file (bpmn-moddle + camunda-bpmn-moddle) once, validates what
 * the engine relies on (rules in ./validation/index.ts), and produces one
 * CompiledProcess per executable process. Refusals come back as Problems with
 * element id and line where known; warnings never block a deployment.
 */
import { createRequire } from 'node:module';
import BpmnModdle, { type ModdleElement } from 'bpmn-moddle';
import * as elements from 'bpmn-elements';
import serializer, { TypeResolver } from 'moddle-context-serializer';
import type { Problem } from '../../shared/errors.js';
import { checkXml, lineOfId } from './xml-guard.js';
import { tolerateForeignConstructs } from './foreign-constructs.js';
import type { CompiledProcess, ElementSpec, EventSubprocessTimer, ModelIndex, ServiceSpec } from './model.js';
import { Findings, lintDefinitions, validateProcess } from './validation/index.js';
import { parseRetryCycle } from '../jobs/retry-cycle.js';

const camundaSchema = createRequire(import.meta.url)('camunda-bpmn-moddle/resources/camunda.json') as Record<string, unknown>;
const typeResolver = TypeResolver(elements as never);

/** What a deployment's target comune offers, for the checks that depend on it. */
export interface DeployContext {
  /** null for the shared default. */
  tenant: string | null;
  /** Form ids visible to this deployment (forms/, the comune's overrides, .form files in the same deployment); undefined skips the check. */
  formIds?: ReadonlySet<string>;
  /** Candidate groups the comune has; undefined skips the check (e.g. for the shared default). */
  groups?: ReadonlySet<string>;
  /** Decision keys a business rule task may reference (the comune's, the shared ones, the deployment's .dmn); undefined skips the check. */
  decisionKeys?: ReadonlySet<string>;
  /** The process key's merged parameters (visible as params.…), by process key. */
  params?: Readonly<Record<string, Record<string, unknown>>>;
  /**
   * Field keys (the variables a submitted form writes) by form id, for the forms
   * in formIds. Giving it makes undefined-variable checks strict (see
   * validation/expressions.ts); a form id missing here counts as "fields unknown".
   */
  formFields?: Readonly<Record<string, readonly string[]>>;
  /** The variables each visible form writes (forms/ files, deployed forms, the deployment's own): a variable one of them writes is known. Unlike formFields, giving it does not make the check strict. */
  formVariables?: Readonly<Record<string, readonly string[]>>;
}

export interface CompileOptions {
  handlerNames: ReadonlySet<string>;
  /** Declared outputs of the registered handlers (HandlerRegistry.outputs()); a handler absent here has unknown outputs. */
  handlerOutputs?: ReadonlyMap<string, readonly string[]>;
  maxBytes?: number;
  context?: DeployContext;
}

export interface CompileResult {
  processes: CompiledProcess[];
  errors: Problem[];
  warnings: Problem[];
}

export async function compileBpmn(xml: string, opts: CompileOptions): Promise<CompileResult> {
  const warnings: Problem[] = [];
  const guard = checkXml(xml, opts.maxBytes);
  if (guard.length) return { processes: [], errors: guard, warnings };

  let parsed;
  try {
    parsed = await new BpmnModdle({ camunda: camundaSchema }).fromXML(xml);
  } catch (err) {
    return { processes: [], errors: [{ rule: 'bpmn-parse', message: `BPMN non leggibile: ${(err as Error).message}` }], warnings };
  }
  const errors: Problem[] = [];
  for (const w of parsed.warnings) {
    const elementId = w.element?.id;
    const unresolved = /unresolved reference/i.test(w.message);
    const message = unresolved ? unresolvedMessage(w as { element?: { id?: string; $type?: string }; property?: string; value?: string }) : w.message;
    const problem: Problem = { rule: 'bpmn-schema', message, elementId, line: lineOfId(xml, elementId) };
    if (unresolved) errors.push(problem);
    else warnings.push(problem);
  }
  const definitions = parsed.rootElement;
  if (definitions.$type !== 'bpmn:Definitions') {
    return { processes: [], errors: [{ rule: 'bpmn-root', message: 'Il documento non è un bpmn:definitions' }], warnings };
  }
  const roots = (definitions.rootElements as ModdleElement[] | undefined) ?? [];
  const processes = roots.filter((r) => r.$type === 'bpmn:Process');
  const executable = processes.filter((p) => p.isExecutable === true);
  if (executable.length === 0) {
    errors.push({ rule: 'no-executable-process', message: 'Nessun processo eseguibile (isExecutable="true") nel file' });
  }

  const setAside = tolerateForeignConstructs(xml, roots, warnings);
  const compiled: CompiledProcess[] = [];
  const findings = new Findings(xml);
  for (const proc of executable) {
    const index = indexProcess(proc);
    for (const phase of index.slaPhases ?? []) {
      for (const id of [phase.from, phase.to]) {
        if (!index.elements[id]) errors.push({ rule: 'sla-phase-unknown-element', elementId: proc.id as string, line: lineOfId(xml, proc.id as string), message: `La fase SLA "${phase.name}" cita l'elemento "${id}", che non esiste nel processo` });
      }
    }
    const ctx = opts.context;
    validateProcess({
      xml,
      proc,
      index,
      handlerNames: opts.handlerNames,
      handlerOutputs: opts.handlerOutputs,
      formIds: ctx?.formIds,
      formFields: ctx?.formFields,
      formVariables: ctx?.formVariables,
      groups: ctx?.groups,
      decisionKeys: ctx?.decisionKeys,
      params: ctx?.params?.[proc.id as string],
    }, findings);
    errors.push(...findings.errors.splice(0));
    if (errors.length) continue;
    for (const p of processes) p.isExecutable = p === proc;
    try {
      const context = serializeWithout(setAside, definitions, () => serializeWithoutUnroutableMessageFlows(parsed, roots));
      compiled.push({ key: proc.id as string, name: proc.name, serializedContext: context.serialize(), index });
    } catch (err) {
      errors.push({
        rule: 'bpmn-unsupported',
        message: `Il modello usa una struttura che il motore non sa eseguire (${(err as Error).message})`,
        elementId: proc.id,
        line: lineOfId(xml, proc.id as string),
      });
    } finally {
      for (const p of processes) p.isExecutable = executable.includes(p);
    }
  }
  // Last: lint normalizes incoming/outgoing on the parsed tree, which must not reach the serializer.
  await lintDefinitions(definitions, findings);
  errors.push(...findings.errors);
  warnings.push(...findings.warnings);
  return { processes: errors.length ? [] : compiled, errors, warnings };
}

/** bpmn-moddle's "unresolved reference <id>" said in Italian, naming the element, the property and the missing id. */
function unresolvedMessage(w: { element?: { id?: string; $type?: string }; property?: string; value?: string }): string {
  const where = w.element?.id ? `"${w.element.id}" (${w.element.$type ?? 'elemento'})` : `un elemento ${w.element?.$type ?? ''}`.trim();
  const property = w.property ? `, proprietà ${w.property},` : '';
  return `Riferimento non risolto: ${where}${property} rimanda a "${w.value ?? '?'}", che non esiste nel file (unresolved reference <${w.value ?? '?'}>): correggere o rimuovere il riferimento`;
}

/** Serializes with the given root elements taken out of the definitions for the time of the call. */
function serializeWithout<T>(aside: ModdleElement[], definitions: ModdleElement, serialize: () => T): T {
  if (!aside.length) return serialize();
  const all = definitions.rootElements as ModdleElement[];
  definitions.rootElements = all.filter((r) => !aside.includes(r));
  try {
    return serialize();
  } finally {
    definitions.rootElements = all;
  }
}

/**
 * moddle-context-serializer fails on collaboration message flows that end on
 * elements nested in sub-processes. One compiled process never routes messages
 * between pools (messages arrive through POST /messages by name), so when that
 * happens the message flows are set aside for serialization and put back after.
 */
function serializeWithoutUnroutableMessageFlows(parsed: unknown, roots: ModdleElement[]) {
  try {
    return serializer(parsed as never, typeResolver);
  } catch (first) {
    const collaborations = roots.filter((r) => r.$type === 'bpmn:Collaboration' && Array.isArray(r.messageFlows) && (r.messageFlows as unknown[]).length);
    if (!collaborations.length) throw first;
    const saved = collaborations.map((c) => c.messageFlows);
    try {
      for (const c of collaborations) c.messageFlows = [];
      return serializer(parsed as never, typeResolver);
    } finally {
      collaborations.forEach((c, i) => (c.messageFlows = saved[i]));
    }
  }
}

function indexProcess(proc: ModdleElement): ModelIndex {
  const index: ModelIndex = { processId: proc.id as string, processName: proc.name, elements: {} };
  const visit = (container: ModdleElement) => {
    for (const el of (container.flowElements as ModdleElement[] | undefined) ?? []) {
      index.elements[el.id as string] = describe(el);
      if (el.flowElements) visit(el);
    }
  };
  visit(proc);
  const phases = processProperties(proc)
    .filter((p) => p.name === 'slaPhase')
    .map((p) => /^\s*([^:]+):\s*([\w.-]+)\s*->\s*([\w.-]+)\s*(P[\dYMWDTHS.]+)?\s*$/.exec(p.value ?? ''))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ name: m[1].trim(), from: m[2], to: m[3], ...(m[4] ? { target: m[4] } : {}) }));
  if (phases.length) index.slaPhases = phases;
  const startTimers = ((proc.flowElements as ModdleElement[] | undefined) ?? [])
    .filter((el) => el.$type === 'bpmn:StartEvent')
    .flatMap((el) =>
      ((el.eventDefinitions as ModdleElement[] | undefined) ?? [])
        .filter((d) => d.$type === 'bpmn:TimerEventDefinition')
        .flatMap((d) =>
          (['timeDate', 'timeDuration', 'timeCycle'] as const)
            .filter((t) => typeof (d[t] as ModdleElement | undefined)?.body === 'string')
            .map((t) => ({ elementId: el.id as string, timerType: t, value: String((d[t] as ModdleElement).body).trim() })),
        ),
    );
  if (startTimers.length) index.startTimers = startTimers;
  const eventSubprocessTimers = eventSubprocessTimersOf(proc);
  if (eventSubprocessTimers.length) index.eventSubprocessTimers = eventSubprocessTimers;
  return index;
}

/** Timer start events of event sub-processes (triggeredByEvent), at any depth, with the scope that arms them. */
function eventSubprocessTimersOf(proc: ModdleElement): EventSubprocessTimer[] {
  const out: EventSubprocessTimer[] = [];
  const visit = (scope: ModdleElement) => {
    for (const el of (scope.flowElements as ModdleElement[] | undefined) ?? []) {
      if (!el.flowElements) continue;
      if (el.$type === 'bpmn:SubProcess' && el.triggeredByEvent === true) {
        for (const start of (el.flowElements as ModdleElement[]).filter((s) => s.$type === 'bpmn:StartEvent')) {
          for (const def of ((start.eventDefinitions as ModdleElement[] | undefined) ?? []).filter((d) => d.$type === 'bpmn:TimerEventDefinition')) {
            const timerType = (['timeDate', 'timeDuration', 'timeCycle'] as const).find((t) => typeof (def[t] as ModdleElement | undefined)?.body === 'string');
            if (!timerType) continue;
            out.push({
              subProcessId: el.id as string,
              startEventId: start.id as string,
              scopeId: scope.id as string,
              interrupting: start.isInterrupting !== false,
              timerType,
              value: String((def[timerType] as ModdleElement).body).trim(),
            });
          }
        }
      }
      visit(el);
    }
  };
  visit(proc);
  return out;
}

/** `camunda:failedJobRetryTimeCycle` among the element's extension elements. */
function retryCycleText(el: ModdleElement): string | undefined {
  const values = ((el.extensionElements as ModdleElement | undefined)?.values as ModdleElement[] | undefined) ?? [];
  const body = values.find((v) => v.$type === 'camunda:FailedJobRetryTimeCycle')?.body;
  return typeof body === 'string' && body.trim() ? body.trim() : undefined;
}

function processProperties(proc: ModdleElement): Array<{ name?: string; value?: string }> {
  const values = ((proc.extensionElements as ModdleElement | undefined)?.values as ModdleElement[] | undefined) ?? [];
  return values.filter((v) => v.$type === 'camunda:Properties').flatMap((v) => ((v.values as Array<{ name?: string; value?: string }> | undefined) ?? []));
}

function describe(el: ModdleElement): ElementSpec {
  const spec: ElementSpec = { id: el.id as string, type: el.$type, name: el.name };
  const str = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
  if (el.$type === 'bpmn:UserTask') {
    spec.userTask = {
      assignee: str(el.assignee),
      candidateGroups: str(el.candidateGroups),
      candidateUsers: str(el.candidateUsers),
      formKey: str(el.formKey),
      dueDate: str(el.dueDate),
      followUpDate: str(el.followUpDate),
      priority: str(el.priority),
    };
  }
  if (['bpmn:ServiceTask', 'bpmn:SendTask', 'bpmn:BusinessRuleTask'].includes(el.$type)) {
    spec.service = serviceOf(el);
  }
  const conditionExpression = el.conditionExpression as ModdleElement | undefined;
  if (conditionExpression?.language && !/^(juel|expression|)$/i.test(String(conditionExpression.language))) spec.scriptLanguage = String(conditionExpression.language);
  if (el.$type === 'bpmn:ScriptTask') spec.scriptLanguage = String(el.scriptFormat ?? 'script');
  const condition = conditionExpression?.body;
  if (el.$type === 'bpmn:SequenceFlow' && typeof condition === 'string' && condition.trim()) spec.condition = condition.trim();
  const message = messageOf(el);
  if (message) {
    spec.messageName = message.name ?? message.id;
    spec.messageId = message.id;
  }
  if (el.asyncBefore === true || el.async === true) spec.asyncBefore = true;
  if (el.asyncAfter === true) spec.asyncAfter = true;
  const retryCycle = parseRetryCycle(retryCycleText(el));
  if (retryCycle) spec.retryCycle = retryCycle;
  return spec;
}

function serviceOf(el: ModdleElement): ServiceSpec | undefined {
  if (el.$type === 'bpmn:BusinessRuleTask' && typeof el.decisionRef === 'string' && el.decisionRef.trim()) {
    const opt = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
    return { kind: 'decision', decisionRef: el.decisionRef.trim(), resultVariable: opt(el.resultVariable), mapDecisionResult: opt(el.mapDecisionResult), binding: opt(el.decisionRefBinding) };
  }
  if (el.type === 'external' && typeof el.topic === 'string' && el.topic.trim()) {
    const outputs = outputParameterNames(el);
    return { kind: 'external', topic: el.topic.trim(), ...(outputs.length ? { outputs } : {}) };
  }
  const delegate = typeof el.delegateExpression === 'string' ? /^\s*[$#]\{\s*([A-Za-z_][\w.-]*)\s*\}\s*$/.exec(el.delegateExpression) : null;
  if (delegate) return { kind: 'handler', handler: delegate[1] };
  if (typeof el.class === 'string' && el.class.trim()) return { kind: 'handler', handler: el.class.trim() };
  return undefined;
}

/** Names of the element's camunda:inputOutput output parameters. */
function outputParameterNames(el: ModdleElement): string[] {
  const values = ((el.extensionElements as ModdleElement | undefined)?.values as ModdleElement[] | undefined) ?? [];
  const params = values.filter((v) => v.$type === 'camunda:InputOutput').flatMap((v) => ((v.outputParameters as ModdleElement[] | undefined) ?? []));
  return [...new Set(params.map((p) => (typeof p.name === 'string' ? p.name.trim() : '')).filter(Boolean))];
}

function messageOf(el: ModdleElement): ModdleElement | undefined {
  if (el.$type === 'bpmn:ReceiveTask') return el.messageRef as ModdleElement | undefined;
  if (el.$type === 'bpmn:IntermediateCatchEvent' || el.$type === 'bpmn:BoundaryEvent' || el.$type === 'bpmn:StartEvent') {
    const def = ((el.eventDefinitions as ModdleElement[] | undefined) ?? []).find((d) => d.$type === 'bpmn:MessageEventDefinition');
    return def?.messageRef as ModdleElement | undefined;
  }
  return undefined;
}
