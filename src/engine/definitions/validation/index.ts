/**
 * Deploy-time validation of one executable process. Refusals (errors, the
 * deployment is rejected with 422 and nothing is stored):
 *   service-implementation, service-handler, no-scripts   services.ts
 *   form-unknown, candidate-group-unknown                  user-tasks.ts
 *   expression-syntax, expression-unknown-function,
 *   expression-unknown-param, expression-undefined-variable expressions.ts
 *   timer-invalid                                          timers.ts
 *   unreachable                                            reachability.ts
 *   gateway-missing-condition                              gateways.ts
 *   decision-unknown, decision-map-result, decision-binding decisions.ts
 *   retry-cycle-invalid                                    jobs.ts
 * Warnings (returned with a successful deployment): user-task-no-due-date,
 * user-task-unassigned, expression-undefined-variable when it cannot be exact,
 * bpmnlint/<rule> (lint.ts), validation-internal when a rule itself failed.
 * XML well-formedness and BPMN parsing are checked before, in compile.ts.
 */
import { Findings, type RuleInput } from './findings.js';
import { checkServices } from './services.js';
import { checkUserTasks } from './user-tasks.js';
import { checkExpressions } from './expressions.js';
import { checkTimers } from './timers.js';
import { checkReachability } from './reachability.js';
import { checkGatewayConditions } from './gateways.js';
import { checkDecisionTasks } from './decisions.js';
import { checkJobs } from './jobs.js';

export { Findings, type RuleInput } from './findings.js';
export { lintDefinitions } from './lint.js';
export { formIdOf } from './user-tasks.js';

export function validateProcess(input: RuleInput, out: Findings): void {
  const id = input.proc.id;
  out.guard('services', id, () => checkServices(input, out));
  out.guard('user-tasks', id, () => checkUserTasks(input, out));
  out.guard('expressions', id, () => checkExpressions(input, out));
  out.guard('timers', id, () => checkTimers(input.proc, out));
  out.guard('reachability', id, () => checkReachability(input.proc, out));
  out.guard('gateways', id, () => checkGatewayConditions(input.proc, out));
  out.guard('decisions', id, () => checkDecisionTasks(input, out));
  out.guard('jobs', id, () => checkJobs(input.proc, out));
}
