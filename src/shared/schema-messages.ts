/**
 * Schema errors (zod for requests, ajv for JSON-Schema parameters) as
 * `{field, message}` pairs in Italian that name the offending key: a key not
 * allowed is reported under its own name, a missing one under its own name,
 * and the whole body only as "(corpo)" when no key is to blame.
 */
import { z } from 'zod';
import type { ErrorObject } from 'ajv';

export interface FieldProblem {
  field: string;
  message: string;
  code?: string;
}

/** The name used when the problem is the whole document, not one of its keys. */
export const WHOLE = '(corpo)';

const TYPE_NAMES: Record<string, string> = {
  string: 'un testo',
  number: 'un numero',
  integer: 'un numero intero',
  bigint: 'un numero intero',
  boolean: 'vero o falso (true/false)',
  object: 'un oggetto',
  array: 'una lista',
  null: 'null',
  undefined: 'nessun valore',
  date: 'una data',
  nan: 'NaN',
};
const typeName = (t: string) => TYPE_NAMES[t] ?? t;
const list = (values: readonly unknown[]) => values.map((v) => JSON.stringify(v)).join(', ');
const join = (path: ReadonlyArray<string | number>) => path.map(String).join('.');

/** Italian messages for zod's built-in checks; messages written in a schema take precedence. */
export const italianErrorMap: z.ZodErrorMap = (issue, ctx) => {
  switch (issue.code) {
    case z.ZodIssueCode.invalid_type:
      return { message: issue.received === 'undefined' ? 'obbligatorio' : `atteso ${typeName(issue.expected)}, ricevuto ${typeName(issue.received)}` };
    case z.ZodIssueCode.invalid_literal:
      return { message: `valore atteso: ${JSON.stringify(issue.expected)}` };
    case z.ZodIssueCode.unrecognized_keys:
      return { message: `chiave non ammessa: ${issue.keys.join(', ')}` };
    case z.ZodIssueCode.invalid_enum_value:
      return { message: `valore non ammesso ${JSON.stringify(issue.received)}: valori ammessi ${list(issue.options)}` };
    case z.ZodIssueCode.invalid_union:
    case z.ZodIssueCode.invalid_union_discriminator:
      return { message: 'valore non valido' };
    case z.ZodIssueCode.invalid_date:
      return { message: 'data non valida' };
    case z.ZodIssueCode.invalid_string:
      if (issue.validation === 'uuid') return { message: 'identificativo (UUID) non valido' };
      if (issue.validation === 'email') return { message: 'indirizzo email non valido' };
      if (issue.validation === 'datetime') return { message: 'data e ora ISO-8601 attese' };
      if (issue.validation === 'date') return { message: 'data AAAA-MM-GG attesa' };
      if (issue.validation === 'regex') return { message: 'formato non valido' };
      return { message: 'testo non valido' };
    case z.ZodIssueCode.too_small:
      if (issue.type === 'string') return { message: Number(issue.minimum) === 1 ? 'non può essere vuoto' : `almeno ${issue.minimum} caratteri` };
      if (issue.type === 'array') return { message: Number(issue.minimum) === 1 ? 'indicare almeno un elemento' : `almeno ${issue.minimum} elementi` };
      return { message: `deve essere ${issue.inclusive ? 'almeno' : 'maggiore di'} ${issue.minimum}` };
    case z.ZodIssueCode.too_big:
      if (issue.type === 'string') return { message: `al massimo ${issue.maximum} caratteri` };
      if (issue.type === 'array') return { message: `al massimo ${issue.maximum} elementi` };
      return { message: `deve essere ${issue.inclusive ? 'al massimo' : 'minore di'} ${issue.maximum}` };
    case z.ZodIssueCode.not_multiple_of:
      return { message: `deve essere multiplo di ${issue.multipleOf}` };
    case z.ZodIssueCode.custom:
      return { message: issue.message ?? 'valore non valido' };
    default:
      return { message: ctx.defaultError };
  }
};

/** zod issues → one problem per offending key (an unknown key is named itself, not its parent). */
export function zodProblems(error: z.ZodError, prefix: ReadonlyArray<string | number> = []): FieldProblem[] {
  return error.issues.flatMap((i): FieldProblem[] => {
    const path = [...prefix, ...i.path];
    if (i.code === z.ZodIssueCode.unrecognized_keys) {
      return i.keys.map((k) => ({ field: join([...path, k]), message: 'chiave non ammessa', code: i.code }));
    }
    return [{ field: join(path) || WHOLE, message: i.message, code: i.code }];
  });
}

/** safeParse with Italian messages. */
export function safeParseIt<T extends z.ZodTypeAny>(schema: T, input: unknown): z.SafeParseReturnType<z.input<T>, z.output<T>> {
  return schema.safeParse(input, { errorMap: italianErrorMap });
}

/** ajv errors → problems in Italian, named by the offending key. */
export function ajvProblems(errors: readonly ErrorObject[]): FieldProblem[] {
  return errors.map((e) => {
    const base = e.instancePath.replace(/^\//, '').split('/').filter(Boolean).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    const p = e.params as Record<string, unknown>;
    switch (e.keyword) {
      case 'additionalProperties':
        return { field: join([...base, String(p.additionalProperty)]), message: 'chiave non ammessa', code: e.keyword };
      case 'unevaluatedProperties':
        return { field: join([...base, String(p.unevaluatedProperty)]), message: 'chiave non ammessa', code: e.keyword };
      case 'required':
        return { field: join([...base, String(p.missingProperty)]), message: 'obbligatorio', code: e.keyword };
      case 'dependentRequired':
      case 'dependencies':
        return { field: join([...base, String(p.missingProperty)]), message: `obbligatorio quando è presente ${String(p.property)}`, code: e.keyword };
      default:
        return { field: join(base) || WHOLE, message: ajvMessage(e), code: e.keyword };
    }
  });
}

function ajvMessage(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'type':
      return `atteso ${String(p.type).split(',').map(typeName).join(' o ')}`;
    case 'enum':
      return `valore non ammesso: valori ammessi ${list((p.allowedValues as unknown[]) ?? [])}`;
    case 'const':
      return `valore atteso: ${JSON.stringify(p.allowedValue)}`;
    case 'minimum':
    case 'exclusiveMinimum':
    case 'maximum':
    case 'exclusiveMaximum':
      return `deve essere ${String(p.comparison)} ${String(p.limit)}`;
    case 'multipleOf':
      return `deve essere multiplo di ${String(p.multipleOf)}`;
    case 'minLength':
      return `almeno ${String(p.limit)} caratteri`;
    case 'maxLength':
      return `al massimo ${String(p.limit)} caratteri`;
    case 'minItems':
      return `almeno ${String(p.limit)} elementi`;
    case 'maxItems':
      return `al massimo ${String(p.limit)} elementi`;
    case 'uniqueItems':
      return `elementi ripetuti (posizioni ${String(p.j)} e ${String(p.i)})`;
    case 'minProperties':
      return `almeno ${String(p.limit)} chiavi`;
    case 'maxProperties':
      return `al massimo ${String(p.limit)} chiavi`;
    case 'pattern':
      return `formato non valido (atteso: ${String(p.pattern)})`;
    case 'format':
      return `formato ${String(p.format)} atteso`;
    case 'oneOf':
    case 'anyOf':
      return 'non corrisponde a nessuna delle forme ammesse';
    case 'not':
      return 'valore non ammesso';
    default:
      return 'valore non valido';
  }
}
