/**
 * Where the variables a process reads can come from, as far as deploy time
 * can know. Defined: the process's declared variables, the declared outputs
 * of the handlers it uses, the field keys of the forms it uses, and what the
 * model itself writes (camunda:inputOutput output parameters, camunda:out
 * targets, resultVariable, elementVariable, error/escalation code variables,
 * camunda:formData fields). Unknown: a used handler without declared outputs,
 * a used form whose fields the deployment did not provide, a `${…}` formKey,
 * a call activity copying back all its variables.
 *
 * Declaring variables (the start variables and those brought by messages or
 * external workers) is done on the process with
 *   <bpmn:extensionElements><camunda:properties>
 *     <camunda:property name="variables" value="isee, richiedente, esitoInps" />
 *   </camunda:properties></bpmn:extensionElements>
 */
import type { ModdleElement } from 'bpmn-moddle';
import type { RuleInput } from './findings.js';
import { formIdOf } from './user-tasks.js';
import { allFlowElements, eventDefinitions, extensions, isA, label, list, text } from './walk.js';

export interface VariableSources {
  /** The process's `variables` property, split; undefined when it does not declare one. */
  declared?: string[];
  /** Every name known to be defined (declared ones included). */
  defined: Set<string>;
  /** Sources that may define variables we cannot list, for messages. */
  unknown: string[];
}

const DECLARED = 'variables';

export function collectVariableSources(input: RuleInput): VariableSources {
  const declared = declaredVariables(input.proc);
  const defined = new Set<string>(declared ?? []);
  const unknown: string[] = [];
  const add = (v: unknown) => {
    const name = text(v);
    if (name) defined.add(name);
  };

  for (const el of Object.values(input.index.elements)) {
    if (el.service?.kind !== 'handler') continue;
    const outputs = input.handlerOutputs?.get(el.service.handler);
    if (outputs) outputs.forEach(add);
    else unknown.push(`l'handler "${el.service.handler}" (uscite non dichiarate)`);
  }

  for (const el of allFlowElements(input.proc)) {
    if (isA(el, 'bpmn:UserTask') || isA(el, 'bpmn:StartEvent')) {
      const formKey = text(el.formKey);
      if (formKey) {
        const id = formIdOf(formKey);
        const fields = id === undefined ? undefined : (input.formFields?.[id] ?? input.formVariables?.[id]);
        if (fields) fields.forEach(add);
        else unknown.push(`il modulo "${id ?? formKey}" di ${label(el)}`);
      }
      for (const formData of extensions(el, 'camunda:FormData')) list(formData.fields).forEach((f) => add(f.id));
    }
    add(el.resultVariable);
    const loop = el.loopCharacteristics as ModdleElement | undefined;
    if (loop) add(loop.elementVariable);
    for (const def of eventDefinitions(el)) {
      add(def.resultVariable);
      add(def.errorCodeVariable);
      add(def.errorMessageVariable);
      add(def.escalationCodeVariable);
    }
    for (const io of extensions(el, 'camunda:InputOutput')) list(io.outputParameters).forEach((p) => add(p.name));
    for (const o of extensions(el, 'camunda:Out')) {
      add(o.target);
      if (text(o.variables) === 'all') unknown.push(`la call activity ${label(el)} (camunda:out variables="all")`);
    }
  }
  return { declared, defined, unknown };
}

/** The `variables` property of the process, or undefined when it has none. */
export function declaredVariables(proc: ModdleElement): string[] | undefined {
  let found: string[] | undefined;
  for (const props of extensions(proc, 'camunda:Properties')) {
    for (const p of list(props.values)) {
      if (text(p.name) !== DECLARED) continue;
      found = [...(found ?? []), ...String(p.value ?? '').split(/[\s,;]+/).filter(Boolean)];
    }
  }
  return found;
}
