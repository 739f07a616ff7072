/**
 * Task forms are form-js JSON schemas, the format Camunda Modeler's form editor
 * writes (`{ id, type: "default", schemaVersion, components: [...] }`). This
 * module holds their types, the structural check run on every form file and on
 * every deployed `.form` (a form that could never be submitted is refused), and
 * the mapping from `camunda:formKey` to a form id.
 *
 * camunda:formKey values accepted (everything else, e.g. `embedded:app:…html`,
 * is "not a form-js form" and the task simply has no form):
 *   - `camunda-forms:deployment:<id>` or `camunda-forms:deployment:<id>.form`
 *   - `camunda-forms:app:forms/<id>.form` (any folder: the basename is taken)
 *   - a plain form id `<id>` (also `<id>.form` or `forms/<id>.form`)
 * The form id is the file name without `.form`: `forms/<id>.form`, a comune's
 * `forms/<belfiore>/<id>.form`, or a `<id>.form` file deployed with the BPMN.
 */

export interface FormValue {
  label?: string;
  value: unknown;
}

export interface FormValidate {
  required?: boolean | string;
  min?: number | string;
  max?: number | string;
  minLength?: number | string;
  maxLength?: number | string;
  pattern?: string;
  /** Our extension (form-js has none yet): the Italian message shown when `pattern` does not match. */
  patternErrorMessage?: string;
  validationType?: string;
}

export interface FormComponent {
  type: string;
  id?: string;
  key?: string;
  path?: string;
  label?: string;
  description?: string;
  validate?: FormValidate;
  values?: FormValue[];
  valuesKey?: string;
  valuesExpression?: string;
  subtype?: string;
  components?: FormComponent[];
  isRepeating?: boolean;
  decimalDigits?: number;
  increment?: number | string;
  serializeToString?: boolean;
  disabled?: boolean | string;
  readonly?: boolean | string;
  conditional?: { hide?: string };
  [other: string]: unknown;
}

export interface FormSchema {
  id?: string;
  type?: string;
  schemaVersion?: number;
  components: FormComponent[];
  [other: string]: unknown;
}

/** Components that show something but hold no value. */
export const STATIC_TYPES = new Set(['text', 'html', 'image', 'spacer', 'separator', 'button', 'iframe', 'table', 'documentPreview']);
/** Components that nest others: a group (optionally under `path`) and a dynamic list of objects at `path`. */
export const CONTAINER_TYPES = new Set(['group', 'dynamiclist']);
/** A value is computed in the browser: never validated nor required. */
export const COMPUTED_TYPES = new Set(['expression']);

export const FORM_ID = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}$/;
/** Every segment of a key or path: it becomes a (nested) process variable name. */
const SEGMENT = /^[A-Za-z_]\w*$/;
const MAX_DEPTH = 12;
const MAX_COMPONENTS = 2000;

/** The form id a camunda:formKey names, or null when it does not name a form-js form. */
export function formIdFromKey(formKey: string | null | undefined): string | null {
  if (!formKey) return null;
  let rest = formKey.trim();
  const prefixed = /^camunda-forms:(deployment|app):(.+)$/i.exec(rest);
  if (prefixed) rest = prefixed[2];
  else if (/^[A-Za-z][\w+.-]*:/.test(rest)) return null; // embedded:…, app:…, http:… — not a form-js form
  const base = rest.slice(rest.lastIndexOf('/') + 1).replace(/\.form$/i, '');
  return FORM_ID.test(base) ? base : null;
}

/** The form id of a `.form` file name (the basename without `.form`), or null. */
export function formIdFromFileName(name: string): string | null {
  const base = name.replace(/\\/g, '/').split('/').pop() ?? '';
  const m = /^(.+)\.form$/i.exec(base);
  return m && FORM_ID.test(m[1]) ? m[1] : null;
}

export function splitPath(path: string): string[] {
  return path.split('.');
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Whether a component binds a value under `key` (input fields, also unknown custom types with a key). */
export function bindsValue(c: FormComponent): boolean {
  return !STATIC_TYPES.has(c.type) && !CONTAINER_TYPES.has(c.type) && typeof c.key === 'string';
}

/**
 * The top-level process variables a submission of this form writes: the first
 * segment of each field key, group path and dynamic list path (groups without
 * a path are transparent). Suitable for DeployContext.formFields.
 */
export function formVariables(schema: FormSchema): string[] {
  const out = new Set<string>();
  const visit = (components: FormComponent[]) => {
    for (const c of components) {
      if (c.type === 'group' && !c.path) visit(c.components ?? []);
      else if (CONTAINER_TYPES.has(c.type) && c.path) out.add(splitPath(c.path)[0]);
      else if (bindsValue(c)) out.add(splitPath(c.key!)[0]);
    }
  };
  visit(schema.components);
  return [...out];
}

/** Parses a `.form` file: JSON, then the structural check. */
export function parseFormSource(text: string): { schema: FormSchema | null; problems: string[] } {
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    return { schema: null, problems: [`JSON non valido: ${(err as Error).message}`] };
  }
  const problems = checkFormSchema(value);
  return { schema: problems.length ? null : (value as FormSchema), problems };
}

/**
 * Structural check of a form-js schema: what the server relies on to validate a
 * submission and to read the current values. Messages are in Italian.
 */
export function checkFormSchema(value: unknown): string[] {
  const problems: string[] = [];
  if (!isPlainObject(value)) return ['il modulo deve essere un oggetto JSON'];
  if (value.type !== undefined && value.type !== 'default') problems.push(`tipo di modulo "${String(value.type)}" non supportato (atteso "default")`);
  if (!Array.isArray(value.components)) return [...problems, 'manca l\'elenco "components"'];
  let count = 0;
  const visit = (components: unknown[], depth: number, scope: Set<string>, where: string) => {
    if (depth > MAX_DEPTH) {
      problems.push(`${where}: annidamento oltre ${MAX_DEPTH} livelli`);
      return;
    }
    components.forEach((raw, i) => {
      if (++count > MAX_COMPONENTS) {
        if (count === MAX_COMPONENTS + 1) problems.push(`più di ${MAX_COMPONENTS} componenti`);
        return;
      }
      const at = `${where}components[${i}]`;
      if (!isPlainObject(raw) || typeof raw.type !== 'string' || !raw.type) {
        problems.push(`${at}: componente senza "type"`);
        return;
      }
      const c = raw as FormComponent;
      const name = `${at} (${c.type}${typeof c.key === 'string' ? ` "${c.key}"` : ''})`;
      const checkPath = (p: unknown, what: 'key' | 'path'): string[] | null => {
        if (p === undefined || p === '') {
          problems.push(`${name}: manca "${what}"`);
          return null;
        }
        if (typeof p !== 'string' || !splitPath(p).every((s) => SEGMENT.test(s))) {
          problems.push(`${name}: ${what} "${String(p)}" non valido (lettere, cifre e _, segmenti separati da punto)`);
          return null;
        }
        return splitPath(p);
      };
      const claim = (segs: string[]) => {
        const full = segs.join('.');
        if (scope.has(full)) problems.push(`${name}: chiave "${full}" usata da più campi`);
        scope.add(full);
      };
      if (CONTAINER_TYPES.has(c.type)) {
        if (!Array.isArray(c.components)) {
          problems.push(`${name}: manca l'elenco "components"`);
          return;
        }
        if (c.type === 'dynamiclist') {
          const segs = checkPath(c.path, 'path');
          if (!segs) return;
          claim(segs);
          visit(c.components, depth + 1, new Set(), `${at}.`);
        } else if (c.path !== undefined && c.path !== '') {
          const segs = checkPath(c.path, 'path');
          if (!segs) return;
          const prefix = segs.join('.');
          const inner = new Set<string>();
          visit(c.components, depth + 1, inner, `${at}.`);
          for (const k of inner) claim([prefix, k]);
        } else {
          visit(c.components, depth + 1, scope, `${at}.`);
        }
        return;
      }
      if (STATIC_TYPES.has(c.type)) return;
      if (c.key === undefined) {
        if (!COMPUTED_TYPES.has(c.type)) problems.push(`${name}: manca "key"`);
        return;
      }
      const segs = checkPath(c.key, 'key');
      if (segs) claim(segs);
      problems.push(...checkValidate(c).map((m) => `${name}: ${m}`));
      if (c.values !== undefined) {
        if (!Array.isArray(c.values) || !c.values.every((v) => isPlainObject(v) && 'value' in v && (v.value === null || ['string', 'number', 'boolean'].includes(typeof v.value)))) {
          problems.push(`${name}: "values" deve essere un elenco di {label, value}`);
        }
      }
      if (c.type === 'datetime' && c.subtype !== undefined && !['date', 'time', 'datetime'].includes(c.subtype)) {
        problems.push(`${name}: subtype "${c.subtype}" non supportato (date, time, datetime)`);
      }
    });
  };
  visit(value.components, 0, new Set(), '');
  return problems;
}

function checkValidate(c: FormComponent): string[] {
  const v = c.validate;
  if (v === undefined) return [];
  if (!isPlainObject(v)) return ['"validate" deve essere un oggetto'];
  const out: string[] = [];
  for (const k of ['min', 'max', 'minLength', 'maxLength'] as const) {
    const x = v[k];
    if (x === undefined || x === null || x === '' || typeof x === 'number' || isFeel(x)) continue;
    if (typeof x !== 'string' || !Number.isFinite(Number(x))) out.push(`validate.${k} deve essere un numero`);
  }
  if (v.pattern !== undefined && v.pattern !== '') {
    if (typeof v.pattern !== 'string') out.push('validate.pattern deve essere un\'espressione regolare');
    else if (!isFeel(v.pattern)) {
      try {
        new RegExp(v.pattern);
      } catch (err) {
        out.push(`validate.pattern non valido: ${(err as Error).message}`);
      }
    }
  }
  if (v.patternErrorMessage !== undefined && typeof v.patternErrorMessage !== 'string') out.push('validate.patternErrorMessage deve essere un testo');
  return out;
}

/** A FEEL expression (`=…`): evaluated by form-js in the browser, not on the server. */
export function isFeel(x: unknown): boolean {
  return typeof x === 'string' && x.trim().startsWith('=');
}
