/** Ids in paths: a malformed one can never match a row, so it answers 404 like any unknown id. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a well-formed UUID; a malformed id can never match a row, so routes answer 404 for it. */
export function isUuid(id: string): boolean {
  return UUID.test(id);
}

/** A path id that is not a UUID becomes one that matches nothing (404 like any unknown id). */
export function uuidOrNone(id: string): string {
  return isUuid(id) ? id : '00000000-0000-0000-0000-000000000000';
}
