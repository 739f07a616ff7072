/** Where a deployed version of a model, form or decision came from: a file read at start-up, the REST API, or Camunda Modeler. */
export type ResourceOrigin = 'file' | 'api' | 'modeler';
