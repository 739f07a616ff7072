/**
 * The query filter for a caller's tenant scope: a comune's code restricts a
 * lookup to that comune's rows (another comune's id then finds nothing: 404);
 * null (metropolitan users, the engine's own work) adds no condition.
 */
export function tenantFilter(scope: string | null): { tenant?: string } {
  return scope ? { tenant: scope } : {};
}
