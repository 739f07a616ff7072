/**
 * What other modelling tools write that the serializer of bpmn-elements cannot
 * take, made harmless before serialization instead of surfacing as a library
 * exception (issue 15, "Also"): an empty `<laneSet/>` (Bizagi) becomes a lane
 * set without lanes; a `performer`/`humanPerformer`/`potentialOwner` without a
 * `resourceAssignmentExpression` (Aeneis) is dropped with a warning (it assigns
 * nobody; the engine assigns by `camunda:candidateGroups`); root elements that
 * describe rather than execute (`itemDefinition`, `globalTask` and its kinds,
 * `interface`, `resource`, …) are set aside while serializing, with a warning
 * for the global tasks a call activity could expect to run.
 */
import type { ModdleElement } from 'bpmn-moddle';
import * as elements from 'bpmn-elements';
import type { Problem } from '../../shared/errors.js';
import { lineOfId } from './xml-guard.js';

/** Root element types the serializer maps itself (not through bpmn-elements' types). */
const SERIALIZER_ROOTS = new Set(['bpmn:Collaboration', 'bpmn:Process', 'bpmn:DataStore', 'bpmn:DataObject']);
const KNOWN = elements as unknown as Record<string, unknown>;

/** Whether the serializer can map a root element of this type. */
function serializableRoot(type: string): boolean {
  return SERIALIZER_ROOTS.has(type) || Boolean(KNOWN[type.split(':')[1] ?? '']);
}

/**
 * Repairs the parsed tree in place (empty lane sets, performers without an
 * expression) and returns the root elements to set aside while serializing,
 * adding a warning for each thing it drops.
 */
export function tolerateForeignConstructs(xml: string, roots: ModdleElement[], warnings: Problem[]): ModdleElement[] {
  const visit = (container: ModdleElement) => {
    for (const set of (container.laneSets as ModdleElement[] | undefined) ?? []) {
      if (!Array.isArray(set.lanes)) set.lanes = [];
    }
    for (const el of (container.flowElements as ModdleElement[] | undefined) ?? []) {
      const resources = el.resources as ModdleElement[] | undefined;
      if (Array.isArray(resources)) {
        const kept = resources.filter((r) => r.resourceAssignmentExpression);
        if (kept.length !== resources.length) {
          el.resources = kept;
          warnings.push({
            rule: 'performer-without-expression',
            elementId: el.id as string,
            line: lineOfId(xml, el.id as string),
            message: `L'elemento "${(el.name as string | undefined) ?? (el.id as string)}" ha un esecutore (performer) senza espressione di assegnazione: è ignorato; per assegnare il compito usare camunda:candidateGroups`,
          });
        }
      }
      if (el.flowElements || el.laneSets) visit(el);
    }
  };
  for (const root of roots) if (root.$type === 'bpmn:Process') visit(root);
  const aside = roots.filter((r) => !serializableRoot(r.$type));
  for (const r of aside) {
    if (/^bpmn:Global\w*Task$/.test(r.$type)) {
      warnings.push({
        rule: 'global-task-ignored',
        elementId: r.id as string,
        line: lineOfId(xml, r.id as string),
        message: `Il compito globale "${(r.name as string | undefined) ?? (r.id as string)}" (${r.$type}) non è eseguibile da questo motore ed è ignorato: un'attività di chiamata deve chiamare un processo`,
      });
    }
  }
  return aside;
}
