/** The bpmn-io packages of the browser modeler ship no TypeScript types: the island describes what it uses. */
declare module 'bpmn-js-properties-panel';
declare module 'camunda-bpmn-js-behaviors/lib/camunda-platform/index.js';
