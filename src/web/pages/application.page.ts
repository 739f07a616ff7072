/**
 * «Nuova domanda REI» at /domande/nuova: the intake as a page. The form's
 * field names are the paths of the application's JSON (`richiedente.nome`,
 * `nucleo.1.codiceFiscale`), so the errors of the intake service — the same
 * ones `POST /api/v1/applications` answers (shape, codici fiscali, household,
 * ACTIVE_CASE, RENEWAL_TOO_EARLY, PROTOCOLLO_DUPLICATO) — land beside their
 * fields. Household rows are added and removed by the island
 * (application-form.js) or, without JavaScript, by posting the form with
 * «Aggiungi componente» / «Rimuovi». The codice fiscale is checked as it is
 * typed (POST /domande/verifica-codice-fiscale, the registry's own rule) and
 * again by the intake. Success: the new case's file.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { actingTenant } from '../../auth/principal.js';
import { RELAZIONI } from '../../applications/application.schema.js';
import { requestedTenant } from '../../api/routes/applications.routes.js';
import { romeDay } from '../../engine/calendar/dates.js';
import { DomainError } from '../../shared/errors.js';
import { validateCodiceFiscale } from '../../subjects/codice-fiscale.js';
import { CASE_ROLES, layoutFor, requirePageRole, requireUser } from '../shell.js';
import type { WebContext } from '../web-context.js';

const RELAZIONE_LABELS: Record<string, string> = { coniuge: 'Coniuge', figlio: 'Figlio/a', genitore: 'Genitore', altro: 'Altro', richiedente: 'Richiedente' };
const MONEY_FIELDS = ['isee', 'isre', 'patrimonioImmobiliare', 'patrimonioMobiliare'] as const;
const FLAG_FIELDS = ['veicoliUltimi24Mesi', 'naspi'] as const;
const MEMBER_FLAGS = ['disabile', 'gravidanza', 'disoccupato'] as const;

type Form = Record<string, string>;
interface FieldError {
  field: string;
  message: string;
}

export function applicationPages(router: Router, web: WebContext) {
  const { services, renderer } = web;

  router.get('/domande/nuova', async (ctx) => {
    const s = await requireUser(services, ctx);
    requirePageRole(s.principal, CASE_ROLES);
    await render(ctx, { dataDomanda: romeDay(services.clock.now()), 'richiedente.cittadinanza': 'IT' }, 0, []);
  });

  router.post('/domande/verifica-codice-fiscale', async (ctx) => {
    const s = await requireUser(services, ctx);
    requirePageRole(s.principal, CASE_ROLES);
    const form = await web.formPost(ctx);
    const cf = (form.codiceFiscale ?? '').trim();
    const check = cf ? validateCodiceFiscale(cf) : { valid: false as const, message: 'obbligatorio' };
    ctx.set('Cache-Control', 'no-store');
    ctx.body = check.valid ? { valid: true } : { valid: false, message: `Codice fiscale non valido: ${check.message}.` };
  });

  router.post('/domande/nuova', async (ctx) => {
    const s = await requireUser(services, ctx);
    requirePageRole(s.principal, CASE_ROLES);
    await web.formPost(ctx);
    // The body parser reads dotted names as nested objects (nucleo as a list): back to the field paths.
    const form = flatten(ctx.request.body);
    const rows = memberRows(form);
    const azione = form.azione ?? '';
    if (azione === 'aggiungi') return render(ctx, withRows(form, [...rows, {}]), rows.length + 1, [], undefined, `campo-nucleo-${rows.length}-codiceFiscale`);
    if (azione.startsWith('rimuovi-')) {
      const i = Number(azione.slice('rimuovi-'.length));
      const kept = rows.filter((_, j) => j !== i);
      return render(ctx, withRows(form, kept), kept.length, []);
    }
    const filled = rows.filter((r) => Object.values(r).some((v) => v.trim() !== ''));
    const values = withRows(form, filled);
    const { input, errors } = toApplication(values, filled.length);
    if (errors.length) return render(ctx, values, filled.length, errors, 422);
    try {
      const parsed = services.applications.parse(input);
      const tenant = await requestedTenant(services, actingTenant(s.principal, undefined));
      const result = await services.applications.submit(parsed, tenant, { username: s.principal.username });
      await services.sessions.setFlash(s.session.id, {
        kind: 'success',
        message: `Domanda ${result.instance.businessKey ?? ''} registrata: ${result.rinnovo ? 'rinnovo' : 'prima domanda'}, durata del beneficio ${result.durataMesi} mesi.`,
      });
      ctx.redirect(`/pratiche/${result.instance.id}`);
    } catch (err) {
      if (!(err instanceof DomainError) || err.status >= 500) throw err;
      const details = err.details as { errors?: FieldError[] } | undefined;
      let list = details?.errors?.length ? details.errors : [{ field: err.code === 'PROTOCOLLO_DUPLICATO' ? 'protocollo' : '', message: err.message }];
      if (err.code === 'TENANT_NOT_FOUND' || list.some((e) => e.field === 'tenant')) list = [{ field: '', message: 'Scegli nell\'intestazione il comune per cui registrare la domanda.' }];
      return render(ctx, values, filled.length, list, err.status);
    }
  });

  async function render(ctx: Context, values: Form, count: number, errors: FieldError[], status = 200, focus?: string) {
    const s = await requireUser(services, ctx);
    const title = 'Nuova domanda REI';
    const layout = await layoutFor(services, ctx, s, { title, breadcrumbs: [{ href: '/attivita', label: 'Le mie attività' }, { label: title }] });
    const byField = new Map<string, string[]>();
    for (const e of errors) byField.set(e.field, [...(byField.get(e.field) ?? []), e.message]);
    const field = (name: string, label: string, extra: Record<string, unknown> = {}) => {
      const id = idOf(name);
      const msgs = byField.get(name);
      return { name, id, label, value: values[name] ?? '', error: msgs?.join(' '), errorId: `${id}-errore`, ...extra };
    };
    const choice = (name: string, label: string, options: Array<{ value: string; label: string }>) =>
      field(name, label, { options: options.map((o) => ({ ...o, selected: (values[name] ?? '') === o.value })) });
    const flag = (name: string, label: string) =>
      choice(name, label, [{ value: '', label: 'Non dichiarato' }, { value: 'si', label: 'Sì' }, { value: 'no', label: 'No' }]);
    const sessi = [{ value: 'M', label: 'Maschile' }, { value: 'F', label: 'Femminile' }];
    const member = (i: number | '__i__') => {
      const p = `nucleo.${i}.`;
      return {
        index: i,
        number: i === '__i__' ? '__n__' : i + 1,
        codiceFiscale: field(`${p}codiceFiscale`, 'Codice fiscale', { cf: true }),
        nome: field(`${p}nome`, 'Nome'),
        cognome: field(`${p}cognome`, 'Cognome'),
        dataNascita: field(`${p}dataNascita`, 'Data di nascita'),
        relazione: choice(`${p}relazione`, 'Relazione con il richiedente', RELAZIONI.filter((r) => r !== 'richiedente').map((r) => ({ value: r, label: RELAZIONE_LABELS[r] ?? r }))),
        sesso: choice(`${p}sesso`, 'Sesso', [{ value: '', label: 'Non indicato' }, ...sessi]),
        flags: MEMBER_FLAGS.map((f) => ({ ...field(`${p}${f}`, { disabile: 'Persona con disabilità', gravidanza: 'In gravidanza', disoccupato: 'Disoccupato/a' }[f]), checked: values[`${p}${f}`] === 'si' })),
        error: byField.get(`nucleo.${i}`)?.join(' '),
      };
    };
    const members = Array.from({ length: count }, (_, i) => member(i));
    const summary = errors.map((e) => {
      const known = e.field && (values[e.field] !== undefined || /^(richiedente|nucleo)\./.test(e.field) || e.field === 'protocollo' || e.field === 'dataDomanda');
      return { message: `${labelOfPath(e.field)}${e.message}`, href: known ? `#${idOf(e.field)}` : null };
    });
    ctx.status = status;
    ctx.type = 'html';
    ctx.body = renderer.render('domanda-nuova', layout, {
      csrf: s.session.csrfToken,
      errors: summary,
      hasErrors: summary.length > 0,
      focus,
      protocollo: field('protocollo', 'Numero di protocollo', { hint: 'Ad esempio 2026/000123.' }),
      dataDomanda: field('dataDomanda', 'Data della domanda'),
      richiedente: {
        codiceFiscale: field('richiedente.codiceFiscale', 'Codice fiscale', { cf: true }),
        nome: field('richiedente.nome', 'Nome'),
        cognome: field('richiedente.cognome', 'Cognome'),
        dataNascita: field('richiedente.dataNascita', 'Data di nascita'),
        sesso: choice('richiedente.sesso', 'Sesso', [{ value: '', label: 'Scegli' }, ...sessi]),
        cittadinanza: choice('richiedente.cittadinanza', 'Cittadinanza', [{ value: 'IT', label: 'Italiana' }, { value: 'UE', label: 'Di un paese dell\'Unione europea' }, { value: 'extraUE', label: 'Di un paese fuori dall\'Unione europea' }]),
        permessoLungoPeriodo: flag('richiedente.permessoLungoPeriodo', 'Permesso di soggiorno UE di lungo periodo'),
        residenteInItaliaDal: field('richiedente.residenteInItaliaDal', 'Residente in Italia dal'),
        indirizzo: field('richiedente.indirizzo', 'Indirizzo di residenza'),
      },
      members,
      memberTemplate: member('__i__'),
      economic: [
        ...MONEY_FIELDS.map((f) => field(f, { isee: 'ISEE (€)', isre: 'ISRE (€)', patrimonioImmobiliare: 'Patrimonio immobiliare (€)', patrimonioMobiliare: 'Patrimonio mobiliare (€)' }[f], { money: true })),
        field('dsuProtocollo', 'Protocollo della DSU'),
      ],
      flags: FLAG_FIELDS.map((f) => flag(f, { veicoliUltimi24Mesi: 'Veicoli immatricolati negli ultimi 24 mesi', naspi: 'Percettore di NASpI' }[f])),
      memberCount: count,
      relazioni: RELAZIONI.filter((r) => r !== 'richiedente').map((r) => ({ value: r, label: RELAZIONE_LABELS[r] ?? r })),
    });
  }
}

function flatten(value: unknown, prefix = '', out: Form = {}): Form {
  if (Array.isArray(value) && prefix && value.every((v) => typeof v !== 'object' || v === null)) {
    out[prefix] = String(value[0] ?? '');
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out[prefix] = value === undefined || value === null ? '' : String(value);
  }
  return out;
}

/** The household rows as posted (by their index), in order. */
function memberRows(form: Form): Array<Record<string, string>> {
  const byIndex = new Map<number, Record<string, string>>();
  for (const [k, v] of Object.entries(form)) {
    const m = /^nucleo\.(\d{1,2})\.(\w+)$/.exec(k);
    if (!m) continue;
    const i = Number(m[1]);
    byIndex.set(i, { ...(byIndex.get(i) ?? {}), [m[2]!]: v });
  }
  return [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r);
}

function withRows(form: Form, rows: Array<Record<string, string>>): Form {
  const out: Form = Object.fromEntries(Object.entries(form).filter(([k]) => !k.startsWith('nucleo.') && k !== '_csrf' && k !== 'azione'));
  rows.forEach((r, i) => {
    for (const [k, v] of Object.entries(r)) out[`nucleo.${i}.${k}`] = v;
  });
  return out;
}

/** The JSON body of POST /api/v1/applications from the form; only the page's own conversions are checked here (amounts, yes/no). */
function toApplication(f: Form, count: number): { input: Record<string, unknown>; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const str = (k: string) => (f[k] ?? '').trim();
  const opt = (k: string) => str(k) || undefined;
  const yesNo = (k: string) => (str(k) === 'si' ? true : str(k) === 'no' ? false : undefined);
  const money = (k: string) => {
    const raw = str(k).replace(/\s|€/g, '');
    if (!raw) return null;
    const n = Number(raw.replace(/\./g, '').replace(',', '.'));
    if (!/^\d{1,3}(\.?\d{3})*(,\d{1,2})?$|^\d+(,\d{1,2})?$/.test(raw) || !Number.isFinite(n)) {
      errors.push({ field: k, message: 'inserire un importo in euro, ad esempio 1.234,56' });
      return null;
    }
    return n;
  };
  const richiedente: Record<string, unknown> = {
    codiceFiscale: str('richiedente.codiceFiscale').toUpperCase(),
    nome: str('richiedente.nome'),
    cognome: str('richiedente.cognome'),
    dataNascita: str('richiedente.dataNascita'),
    sesso: opt('richiedente.sesso'),
    cittadinanza: opt('richiedente.cittadinanza'),
    residenteInItaliaDal: str('richiedente.residenteInItaliaDal'),
    indirizzo: opt('richiedente.indirizzo'),
  };
  const permesso = yesNo('richiedente.permessoLungoPeriodo');
  if (permesso !== undefined) richiedente.permessoLungoPeriodo = permesso;
  const nucleo = Array.from({ length: count }, (_, i) => {
    const p = `nucleo.${i}.`;
    const m: Record<string, unknown> = {
      codiceFiscale: str(`${p}codiceFiscale`).toUpperCase(),
      nome: str(`${p}nome`),
      cognome: str(`${p}cognome`),
      dataNascita: str(`${p}dataNascita`),
      relazione: str(`${p}relazione`),
    };
    if (opt(`${p}sesso`)) m.sesso = str(`${p}sesso`);
    for (const flag of MEMBER_FLAGS) if (str(`${p}${flag}`) === 'si') m[flag] = true;
    return m;
  });
  const input: Record<string, unknown> = {
    protocollo: str('protocollo'),
    dataDomanda: str('dataDomanda'),
    richiedente,
    nucleo,
    dsuProtocollo: opt('dsuProtocollo') ?? null,
  };
  for (const k of MONEY_FIELDS) input[k] = money(k);
  for (const k of FLAG_FIELDS) input[k] = yesNo(k) ?? null;
  return { input, errors };
}

function idOf(path: string): string {
  return `campo-${path.replace(/\./g, '-')}`;
}

const PATH_LABELS: Record<string, string> = {
  protocollo: 'Protocollo',
  dataDomanda: 'Data della domanda',
  codiceFiscale: 'codice fiscale',
  nome: 'nome',
  cognome: 'cognome',
  dataNascita: 'data di nascita',
  sesso: 'sesso',
  cittadinanza: 'cittadinanza',
  residenteInItaliaDal: 'residenza in Italia',
  relazione: 'relazione',
  permessoLungoPeriodo: 'permesso di lungo periodo',
  isee: 'ISEE',
  isre: 'ISRE',
};

/** «Richiedente, codice fiscale: », «Componente 2, nome: » before a message. */
function labelOfPath(path: string): string {
  if (!path) return '';
  const parts = path.split('.');
  if (parts[0] === 'richiedente') return `Richiedente${parts[1] ? `, ${PATH_LABELS[parts[1]] ?? parts[1]}` : ''}: `;
  if (parts[0] === 'nucleo') return `Componente ${Number(parts[1]) + 1}${parts[2] ? `, ${PATH_LABELS[parts[2]] ?? parts[2]}` : ''}: `;
  return `${PATH_LABELS[parts[0]!] ?? parts[0]}: `;
}

