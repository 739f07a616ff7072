/**
 * The case file (fascicolo) at /pratiche/{instanceId}: header (protocollo,
 * richiedente, status, phase, outcome), the process diagram (bpmn-js island)
 * with the active steps highlighted and the completed ones marked, the
 * timeline of the steps (planned vs actual dates, who did them, from the SLA
 * timeline service), the case's variables as labelled data, documents (PDF,
 * regeneration) and the actions of the role: the messages the case is waiting
 * for (convocazione, evento di condizionalità, rinuncia, esito INPS) and the
 * cancellation (responsabile). Every action goes through the existing services
 * (messages, documents, instances) in one transaction; another comune's case
 * answers 404 like the API.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { hasRole, tenantScope } from '../../auth/principal.js';
import { EventSubscription, ProcessDefinition, ProcessInstance, Task } from '../../db/entities/index.js';
import type { ModelIndex } from '../../engine/definitions/model.js';
import { DOCUMENT_KINDS, DOCUMENT_TYPES, isDocumentType } from '../../documents/index.js';
import { DomainError, NotFoundError } from '../../shared/errors.js';
import { findInstance } from '../../api/routes/instances.routes.js';
import { instanceTimeline } from '../../tasks/sla/sla.service.js';
import { layoutBpmn } from '../../engine/definitions/layout.js';
import { formatDate, formatDateTime, formatMoney } from '../format.js';
import { CASE_ROLES, layoutFor, requirePageRole, requireUser } from '../shell.js';
import { requestOrigin } from '../../audit/audit.service.js';
import type { WebContext } from '../web-context.js';
import { caseHistory, caseSummary } from './task.page.js';

const ESITI_FINALI: Record<string, string> = {
  respinta_comune: 'Respinta dal comune',
  respinta_inps: 'Respinta da INPS',
  conclusa: 'Conclusa',
  decaduta: 'Decaduta',
  rinuncia: 'Rinuncia del richiedente',
};

/** Readable labels of the case's variables; others are shown with their name split into words. */
const LABELS: Record<string, string> = {
  protocollo: 'Protocollo',
  dataDomanda: 'Data della domanda',
  isee: 'ISEE',
  isre: 'ISRE',
  dsuProtocollo: 'Protocollo DSU',
  patrimonioImmobiliare: 'Patrimonio immobiliare',
  patrimonioMobiliare: 'Patrimonio mobiliare',
  veicoliUltimi24Mesi: 'Veicoli immatricolati negli ultimi 24 mesi',
  naspi: 'Percettore di NASpI',
  soggettoId: 'Identificativo del soggetto',
  anniResidenza: 'Anni di residenza in Italia',
  componentiNucleo: 'Componenti del nucleo',
  nucleoConMinore: 'Nucleo con minore',
  nucleoConDisabile: 'Nucleo con persona con disabilità',
  gravidanza: 'Gravidanza',
  over55Disoccupato: 'Disoccupato con più di 55 anni',
  cittadinanza: 'Cittadinanza',
  permessoLungoPeriodo: 'Permesso di soggiorno di lungo periodo',
  rinnovo: 'Rinnovo',
  durataMesi: 'Durata del beneficio (mesi)',
  esitoInps: 'Esito INPS',
  motiviInps: 'Motivi INPS',
  protocolloInps: 'Protocollo INPS',
  esitoFinale: 'Esito finale',
  importoMensile: 'Importo mensile',
  dataFineBeneficio: 'Fine del beneficio',
  motivoRinuncia: 'Motivo della rinuncia',
  dataRinuncia: 'Data della rinuncia',
  eventoCondizionalita: 'Evento di condizionalità',
  tipo: 'Tipo',
  data: 'Data',
  motivo: 'Motivo',
  codiceFiscale: 'Codice fiscale',
  nome: 'Nome',
  cognome: 'Cognome',
  dataNascita: 'Data di nascita',
  sesso: 'Sesso',
  relazione: 'Relazione',
  residenteInItaliaDal: 'Residente in Italia dal',
  indirizzo: 'Indirizzo',
};
const MONEY = new Set(['isee', 'isre', 'patrimonioImmobiliare', 'patrimonioMobiliare', 'importoMensile', 'importo', 'beneficioMensile']);
/** Shown elsewhere on the page (header, household). */
const HIDDEN = new Set(['richiedente', 'nucleo']);

/** The messages a case officer may send by hand, with their fields. */
const MESSAGES: Record<string, { title: string; help: string; done: string }> = {
  convocazione: { title: 'Richiedi una convocazione del nucleo', help: 'Apre l\'attività «Convocazione del nucleo».', done: 'La richiesta di convocazione è stata registrata: è aperta l\'attività «Convocazione del nucleo».' },
  eventoCondizionalita: { title: 'Segnala un evento di condizionalità', help: 'Un appuntamento mancato, un\'offerta rifiutata o un requisito perso: si applica la sanzione prevista.', done: 'L\'evento di condizionalità è stato registrato.' },
  rinuncia: { title: 'Registra la rinuncia del richiedente', help: 'La pratica si conclude con esito «rinuncia».', done: 'La rinuncia del richiedente è stata registrata.' },
  esitoInps: { title: 'Registra a mano l\'esito INPS', help: 'Solo quando l\'esito arriva al comune per altra via (non dal servizio INPS).', done: 'L\'esito INPS è stato registrato.' },
};
const EVENT_TYPES = [
  { value: 'appuntamento_mancato', label: 'Appuntamento mancato' },
  { value: 'rifiuto_offerta', label: 'Rifiuto di un\'offerta' },
  { value: 'requisito_perso', label: 'Perdita di un requisito' },
];

export function casePages(router: Router, web: WebContext) {
  const { services, renderer } = web;

  router.get('/pratiche/:id', async (ctx) => {
    const s = await requireUser(services, ctx);
    requirePageRole(s.principal, CASE_ROLES);
    const instance = await findInstance(services, s.principal, ctx.params.id);
    await renderCase(ctx, instance, s);
  });

  router.post('/pratiche/:id/messaggio', async (ctx) => {
    const s = await requireUser(services, ctx);
    requirePageRole(s.principal, CASE_ROLES);
    const form = await web.formPost(ctx);
    const instance = await findInstance(services, s.principal, ctx.params.id);
    const name = form.messaggio ?? '';
    if (!MESSAGES[name]) throw new NotFoundError('Messaggio', name, 'MESSAGE_NOT_CORRELATED');
    const { variables, errors } = messageVariables(name, form, services.clock.now());
    if (errors.length) return renderCase(ctx, instance, s, { message: name, errors, values: form }, 422);
    try {
      await services.store.transaction((tx) =>
        services.processes.deliverMessage(tx, { name, scope: tenantScope(s.principal) ?? instance.tenant, processInstanceId: instance.id, variables }, { username: s.principal.username }),
      );
    } catch (err) {
      if (!(err instanceof DomainError) || err.status >= 500) throw err;
      const text = err.code === 'MESSAGE_NOT_CORRELATED' ? 'La pratica non è più in attesa di questa comunicazione: ricarica la pagina.' : err.message;
      return renderCase(ctx, instance, s, { message: name, errors: fieldErrors(err, text), values: form }, err.status === 404 ? 409 : err.status);
    }
    await services.sessions.setFlash(s.session.id, { kind: 'success', message: MESSAGES[name]!.done });
    ctx.redirect(`/pratiche/${instance.id}`);
  });

  router.post('/pratiche/:id/annulla', async (ctx) => {
    const s = await requireUser(services, ctx);
    requirePageRole(s.principal, ['responsabile', 'admin']);
    const form = await web.formPost(ctx);
    const instance = await findInstance(services, s.principal, ctx.params.id);
    const reason = (form.motivo ?? '').trim();
    const errors = !reason ? [{ field: 'annulla-motivo', message: 'Indicare il motivo dell\'annullamento.' }] : reason.length > 1000 ? [{ field: 'annulla-motivo', message: 'Il motivo può avere al massimo 1.000 caratteri.' }] : [];
    if (errors.length) return renderCase(ctx, instance, s, { message: 'annulla', errors, values: form }, 422);
    try {
      await services.store.transaction(async (tx) => {
        const found = await tx.instance(instance.id, tenantScope(s.principal));
        if (!found) throw new NotFoundError('Istanza', instance.id, 'INSTANCE_NOT_FOUND');
        return services.processes.cancel(tx, found, { username: s.principal.username }, reason);
      });
    } catch (err) {
      if (!(err instanceof DomainError) || err.status >= 500 || err.status === 404) throw err;
      const text = err.code === 'INSTANCE_NOT_ACTIVE' ? 'La pratica non è più in corso: non può essere annullata.' : err.message;
      return renderCase(ctx, instance, s, { message: 'annulla', errors: [{ field: 'annulla-motivo', message: text }], values: form }, err.status);
    }
    await services.sessions.setFlash(s.session.id, { kind: 'success', message: 'La pratica è stata annullata.' });
    ctx.redirect(`/pratiche/${instance.id}`);
  });

  router.post('/pratiche/:id/documenti', async (ctx) => {
    const s = await requireUser(services, ctx);
    requirePageRole(s.principal, CASE_ROLES);
    const form = await web.formPost(ctx);
    const instance = await findInstance(services, s.principal, ctx.params.id);
    const type = form.tipo;
    if (!isDocumentType(type)) return renderCase(ctx, instance, s, { message: 'documento', errors: [{ field: 'documento-tipo', message: 'Scegliere il documento da generare.' }], values: form }, 422);
    try {
      await services.documents.generate({ tenant: instance.tenant, instanceId: instance.id, type, variables: instance.variables, createdBy: s.principal.username });
    } catch (err) {
      if (!(err instanceof DomainError) || err.status >= 500) throw err;
      return renderCase(ctx, instance, s, { message: 'documento', errors: [{ field: 'documento-tipo', message: `Non è stato possibile generare il documento: ${err.message}` }], values: form }, err.status);
    }
    await services.sessions.setFlash(s.session.id, { kind: 'success', message: `Documento «${DOCUMENT_KINDS[type].title}» generato.` });
    ctx.redirect(`/pratiche/${instance.id}#documenti-titolo`);
  });

  async function renderCase(ctx: Context, instance: ProcessInstance, s: Awaited<ReturnType<typeof requireUser>>, failed?: { message: string; errors: Array<{ field: string; message: string }>; values: Record<string, string> }, status = 200) {
    const p = s.principal;
    // The case file shows the case's data, documents and history: recorded in the audit (GDPR art. 30).
    await services.audit.record(p, requestOrigin(ctx, 'web'), [{ tenant: instance.tenant, objectType: 'case', objectId: instance.id, caseId: instance.id, detail: 'page' }]);
    const em = services.orm.em.fork();
    const def = await em.findOne(ProcessDefinition, { id: instance.definitionId }, { populate: ['source'] });
    const phases = (def?.modelIndex as ModelIndex | undefined)?.slaPhases ?? [];
    const now = services.clock.now();
    const [summary, timeline, documents, history, subscriptions, tasks] = await Promise.all([
      caseSummary(services, instance),
      instanceTimeline(em, instance.id, phases, now),
      services.documents.list(instance.tenant, instance.id),
      caseHistory(services, instance.id),
      instance.status === 'active' ? em.find(EventSubscription, { instanceId: instance.id, tenant: instance.tenant }) : Promise.resolve([]),
      em.find(Task, { instanceId: instance.id, tenant: instance.tenant }, { fields: ['id', 'elementId', 'status', 'completedBy', 'assignee'] }),
    ]);
    const completedBy = new Map(tasks.map((t) => [t.id, t.completedBy ?? t.assignee]));
    const active = new Set(instance.activeElements);
    const completed = [...new Set(timeline.steps.filter((st) => st.leftAt && !active.has(st.elementId)).map((st) => st.elementId))];
    const waiting = [...new Set(subscriptions.map((sub) => sub.name))].filter((n) => MESSAGES[n]);
    const v = instance.variables;
    const esito = typeof v.esitoFinale === 'string' ? ESITI_FINALI[v.esitoFinale] ?? v.esitoFinale : null;
    const openTasks = tasks.filter((t) => t.status === 'open').map((t) => t.id);
    const errorOf = (field: string) => failed?.errors.find((e) => e.field === field)?.message ?? null;
    const value = (field: string) => failed?.values[field] ?? '';
    const title = `Fascicolo ${instance.businessKey ?? ''}`.trim();
    const layout = await layoutFor(services, ctx, s, { title, breadcrumbs: [{ href: '/attivita', label: 'Le mie attività' }, { label: title }] });
    ctx.status = status;
    ctx.type = 'html';
    ctx.body = renderer.render('pratica', layout, {
      instance: { id: instance.id, protocollo: instance.businessKey, version: instance.definitionVersion, active: instance.status === 'active', endedAt: formatDateTime(instance.endedAt), startedBy: instance.startedBy },
      summary,
      esito,
      statoBadge: instance.status === 'active' ? 'bg-primary' : instance.status === 'completed' ? 'bg-success' : 'bg-secondary',
      diagram: def ? await diagramOf(def).then((xml) => (xml ? { xml, active: [...active], completed } : null)) : null,
      activeNames: timeline.steps.filter((st) => active.has(st.elementId) && !st.leftAt).map((st) => st.name ?? st.elementId),
      steps: timeline.steps.map((st) => ({
        name: st.name ?? st.elementId,
        entered: formatDateTime(st.enteredAt),
        left: st.leftAt ? formatDateTime(st.leftAt) : null,
        planned: st.task?.plannedDue ? formatDateTime(st.task.plannedDue) : null,
        taskId: st.task && openTasks.includes(st.task.id) ? st.task.id : null,
        who: st.task ? completedBy.get(st.task.id) ?? null : null,
        onTime: st.task?.onTime === true ? { label: 'Nei tempi', badge: 'bg-success' } : st.task?.onTime === false ? { label: 'In ritardo', badge: 'bg-danger' } : null,
        open: !st.leftAt,
      })).reverse(),
      phases: timeline.phases.map((ph) => ({ name: ph.name, started: formatDate(ph.startedAt), planned: formatDate(ph.plannedEnd), ended: formatDate(ph.endedAt), onTime: ph.onTime === true ? { label: 'Nei termini', badge: 'bg-success' } : ph.onTime === false ? { label: 'Oltre i termini', badge: 'bg-danger' } : null })),
      variables: readableVariables(v),
      documents: documents.map((d) => ({ title: d.title, created: formatDateTime(d.createdAt), createdBy: d.createdBy, pdf: `/api/v1/documents/${d.id}/pdf`, fileName: d.fileName })),
      documentTypes: DOCUMENT_TYPES.map((t) => ({ value: t, label: DOCUMENT_KINDS[t].title, selected: value('tipo') === t })),
      documentError: failed?.message === 'documento' ? errorOf('documento-tipo') : null,
      history,
      messages: waiting.map((name) => ({
        name,
        ...MESSAGES[name],
        isEvento: name === 'eventoCondizionalita',
        isRinuncia: name === 'rinuncia',
        isEsito: name === 'esitoInps',
        failed: failed?.message === name,
        errors: failed?.message === name ? failed.errors : [],
        fieldErrors: failed?.message === name ? Object.fromEntries(failed.errors.map((e) => [e.field, e.message])) : {},
        values: failed?.message === name ? failed.values : {},
        eventTypes: EVENT_TYPES.map((t) => ({ ...t, selected: value('tipo') === t.value })),
      })),
      canCancel: instance.status === 'active' && hasRole(p, 'responsabile', 'admin'),
      cancelError: failed?.message === 'annulla' ? errorOf('annulla-motivo') : null,
      cancelReason: failed?.message === 'annulla' ? value('motivo') : '',
      csrf: s.session.csrfToken,
    });
  }
}

/** Laid-out diagrams of deployed models written without one, by definition id (a definition never changes). */
const LAID_OUT = new Map<string, Promise<string | null>>();
const LAID_OUT_MAX = 100;

/** The definition's BPMN with its diagram: as deployed, or laid out by bpmn-auto-layout when it has none (null if that fails). */
export function diagramOf(def: ProcessDefinition): Promise<string | null> {
  if (typeof def.source !== 'string') return Promise.resolve(null);
  if (/<(\w+:)?BPMNShape\b/.test(def.source)) return Promise.resolve(def.source);
  let xml = LAID_OUT.get(def.id);
  if (!xml) {
    if (LAID_OUT.size >= LAID_OUT_MAX) LAID_OUT.delete(LAID_OUT.keys().next().value!);
    xml = layoutBpmn(def.source).then((r) => (r.problems.length ? null : r.xml), () => null);
    LAID_OUT.set(def.id, xml);
  }
  return xml;
}

/** The variables a message carries, from the page's form; field errors in Italian for what is missing. */
function messageVariables(name: string, form: Record<string, string>, now: Date): { variables: Record<string, unknown>; errors: Array<{ field: string; message: string }> } {
  const errors: Array<{ field: string; message: string }> = [];
  const today = now.toISOString().slice(0, 10);
  const date = (field: string, id: string) => {
    const d = (form[field] ?? '').trim();
    if (!d) return today;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(d) || Number.isNaN(Date.parse(d))) errors.push({ field: id, message: 'Inserire una data valida (gg/mm/aaaa).' });
    return d;
  };
  const text = (field: string, id: string, label: string) => {
    const t = (form[field] ?? '').trim();
    if (!t) errors.push({ field: id, message: `Indicare ${label}.` });
    else if (t.length > 1000) errors.push({ field: id, message: 'Il testo può avere al massimo 1.000 caratteri.' });
    return t;
  };
  switch (name) {
    case 'eventoCondizionalita': {
      const tipo = form.tipo ?? '';
      if (!EVENT_TYPES.some((t) => t.value === tipo)) errors.push({ field: 'evento-tipo', message: 'Scegliere il tipo di evento.' });
      const data = date('data', 'evento-data');
      const motivo = text('motivo', 'evento-motivo', 'il motivo');
      return { variables: { eventoCondizionalita: { tipo, data, motivo } }, errors };
    }
    case 'rinuncia': {
      const motivoRinuncia = text('motivo', 'rinuncia-motivo', 'il motivo della rinuncia');
      const dataRinuncia = date('data', 'rinuncia-data');
      return { variables: { motivoRinuncia, dataRinuncia }, errors };
    }
    case 'esitoInps': {
      const esito = form.esito ?? '';
      if (esito !== 'positivo' && esito !== 'negativo') errors.push({ field: 'esito-esito', message: 'Scegliere l\'esito.' });
      const protocolloInps = text('protocolloInps', 'esito-protocollo', 'il protocollo INPS');
      const motivi = (form.motivi ?? '').split('\n').map((m) => m.trim()).filter(Boolean);
      return { variables: { esitoInps: esito, motiviInps: motivi, protocolloInps }, errors };
    }
    default:
      return { variables: {}, errors };
  }
}

function fieldErrors(err: DomainError, text: string): Array<{ field: string; message: string }> {
  const details = err.details as { errors?: Array<{ field: string; message: string }> } | undefined;
  const list = details?.errors?.map((e) => ({ field: 'messaggio', message: `${LABELS[e.field.split('.').pop() ?? ''] ?? e.field}: ${e.message}` })) ?? [];
  return list.length ? list : [{ field: 'messaggio', message: text }];
}

export interface ReadableRow {
  label: string;
  text?: string;
  rows?: ReadableRow[];
}

/** The variables as labelled rows (nested for objects and lists), with Italian formats; never a JSON dump. */
export function readableVariables(v: Record<string, unknown>): ReadableRow[] {
  return Object.keys(v)
    .filter((k) => !HIDDEN.has(k) && v[k] !== undefined)
    .sort((a, b) => labelOf(a).localeCompare(labelOf(b), 'it'))
    .map((k) => readable(k, v[k]));
}

function labelOf(key: string): string {
  if (LABELS[key]) return LABELS[key]!;
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function readable(key: string, value: unknown, label = labelOf(key)): ReadableRow {
  if (value === null || value === '') return { label, text: '—' };
  if (typeof value === 'boolean') return { label, text: value ? 'Sì' : 'No' };
  if (typeof value === 'number') return { label, text: MONEY.has(key) ? formatMoney(value) : value.toLocaleString('it-IT') };
  if (typeof value === 'string') {
    if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return { label, text: formatDate(value) };
    if (/^\d{4}-\d{2}-\d{2}T/.test(value)) return { label, text: formatDateTime(value) };
    return { label, text: value };
  }
  if (Array.isArray(value)) {
    if (!value.length) return { label, text: 'Nessuno' };
    if (value.every((x) => x === null || typeof x !== 'object')) return { label, text: value.map((x) => readable(key, x).text).join(', ') };
    return { label, rows: value.map((x, i) => readable(key, x, `${i + 1}`)) };
  }
  if (typeof value === 'object') {
    return { label, rows: Object.entries(value as Record<string, unknown>).map(([k, x]) => readable(k, x)) };
  }
  return { label, text: String(value) };
}
