/**
 * The OpenAPI 3.1 description of /api/v1, served at GET /api/v1/openapi.json.
 * One row per operation (method, path as koa writes it, summary, bodies);
 * path parameters, security and the error reply are filled in here.
 * test/api/openapi.test.ts checks that every mounted route is described, and
 * the test harness checks API replies against these schemas.
 */
import { page, ref, schemas, type Schema } from './schemas.js';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

interface Op {
  tag: string;
  summary: string;
  /** Request body schema (JSON). */
  body?: Schema;
  /** Success status and its JSON schema; `null` for no body; a string for a non-JSON media type. */
  ok?: [number, Schema | null | string];
  /** Other success replies (e.g. 202 for work that goes on, 201 for a PUT that created). */
  also?: Array<[number, Schema]>;
  /** The request body's media type when not JSON. */
  bodyType?: string;
  query?: Record<string, Schema>;
  /** Who may call: 'public' (no authentication), 'service' (INPS service account, HTTP basic), default a bearer token. */
  auth?: 'public' | 'service';
}

const q = (values: string[]): Schema => ({ type: 'string', enum: values });
const paging = { limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 }, offset: { type: 'integer', minimum: 0, default: 0 } };
const json = ref('Object');
/** The task list: `total` exact up to 10,000 (`totalExact`), beyond that 10,000 unless `exactTotal=true`. */
const taskPage: Schema = (() => {
  const base = page(ref('Task')) as { properties: Record<string, Schema>; required: string[] };
  return {
    ...base,
    properties: { ...base.properties, totalExact: { type: 'boolean', description: 'false: le attività sono più di `total` (10.000); exactTotal=true per il conteggio esatto' } },
    required: [...base.required, 'totalExact'],
  };
})();

/** Every operation of /api/v1, keyed `METHOD /path` with koa's `:param` syntax. */
export const OPERATIONS: Record<string, Op> = {
  'GET /openapi.json': { tag: 'Sistema', summary: 'Questa descrizione OpenAPI 3.1', ok: [200, { type: 'object' }], auth: 'public' },
  'POST /auth/login': { tag: 'Autenticazione', summary: 'Accesso: restituisce un token Bearer', body: ref('LoginRequest'), ok: [200, ref('LoginResponse')], auth: 'public' },
  'POST /auth/oidc/token': { tag: 'Autenticazione', summary: "Accesso SPID/CIE: scambia l'ID token del provider OIDC (destinatario OIDC_API_AUDIENCES, valido, usato una volta) con un token Bearer di questo server; l'utente è quello con il codice fiscale del provider", body: ref('OidcTokenRequest'), ok: [200, ref('LoginResponse')], auth: 'public' },
  'POST /auth/logout': { tag: 'Autenticazione', summary: 'Revoca il token della richiesta', ok: [204, null] },
  'GET /auth/me': { tag: 'Autenticazione', summary: "L'utente del token", ok: [200, ref('Me')] },
  'POST /inps/esiti': { tag: 'INPS', summary: "Esito INPS di una domanda (utenza di servizio INPS, HTTP basic)", body: json, ok: [200, json], auth: 'service' },

  'GET /tenants': { tag: 'Comuni', summary: 'Elenco dei comuni (admin)', ok: [200, page(ref('Tenant'), false)] },
  'POST /tenants': { tag: 'Comuni', summary: 'Crea un comune (admin)', body: ref('NewTenant'), ok: [201, ref('Tenant')] },
  'GET /tenants/:code/parameters/:key': { tag: 'Parametri', summary: 'Parametri del processo per il comune (default, file del comune, override)', ok: [200, json] },
  'PUT /tenants/:code/parameters/:key': { tag: 'Parametri', summary: "Nuova versione dei parametri del comune (analista)", body: { type: 'object', required: ['values'], properties: { values: { type: 'object' }, comment: { type: 'string' } } }, ok: [200, json] },
  'GET /tenants/:code/parameters/:key/versions': { tag: 'Parametri', summary: 'Versioni dei parametri del comune', ok: [200, ref('ParameterVersions')] },
  'GET /tenants/:code/office': { tag: 'Comuni', summary: "Profilo dell'ufficio stampato sulle lettere (admin, responsabile del comune)", ok: [200, ref('Office')] },
  'PUT /tenants/:code/office': { tag: 'Comuni', summary: "Imposta il profilo dell'ufficio: intestazione e logo, indirizzo, contatti, firmatario, responsabile del procedimento", body: ref('OfficeProfile'), ok: [200, ref('Office')] },
  'GET /tenants/:code/calendar': { tag: 'Calendario', summary: 'Calendario lavorativo del comune (festivi, patrono, chiusure)', query: { year: { type: 'integer' } }, ok: [200, json] },
  'PUT /tenants/:code/calendar': { tag: 'Calendario', summary: 'Imposta patrono, chiusure e sabato lavorativo', body: json, ok: [200, json] },

  'GET /users': { tag: 'Utenti', summary: 'Utenti: tutti (admin) o del proprio comune (responsabile)', query: { tenant: { type: 'string' }, role: { type: 'string' }, group: { type: 'string' }, active: q(['true', 'false']) }, ok: [200, page(ref('User'), false)] },
  'POST /users': { tag: 'Utenti', summary: 'Crea un utente (admin)', body: ref('NewUser'), ok: [201, ref('User')] },
  'GET /users/me': { tag: 'Utenti', summary: 'Il proprio utente (qualsiasi ruolo)', ok: [200, ref('User')] },
  'PUT /users/me/password': { tag: 'Utenti', summary: 'Cambia la propria password (serve quella attuale)', body: ref('OwnPassword'), ok: [204, null] },
  'GET /users/:username': { tag: 'Utenti', summary: 'Un utente (admin; responsabile del suo comune)', ok: [200, ref('User')] },
  'PATCH /users/:username': { tag: 'Utenti', summary: 'Cambia ruoli, gruppi, attivo/disattivato (admin)', body: ref('UserChange'), ok: [200, ref('User')] },
  'POST /users/:username/reset-password': { tag: 'Utenti', summary: 'Reimposta la password (admin): scelta o generata e mostrata una volta', body: { type: 'object', properties: { password: { type: 'string', minLength: 8 } } }, ok: [200, ref('PasswordReset')] },

  'POST /deployments/validate': { tag: 'Modelli', summary: 'Verifica una deployment senza distribuirla: errori e avvisi per elemento', body: ref('DeployRequest'), ok: [200, ref('ValidationReport')] },
  'POST /deployments': { tag: 'Modelli', summary: 'Distribuisce modelli BPMN, decisioni DMN e moduli (JSON o multipart)', body: ref('DeployRequest'), ok: [201, ref('DeployResult')] },
  'GET /process-definitions': { tag: 'Modelli', summary: 'Definizioni di processo', query: { key: { type: 'string' }, tenant: { type: 'string' }, latest: q(['true', 'false']) }, ok: [200, page(ref('Definition'), false)] },
  'GET /process-definitions/:id': { tag: 'Modelli', summary: 'Una definizione con i suoi elementi', ok: [200, { allOf: [ref('Definition'), { type: 'object', required: ['elements'], properties: { elements: { type: 'array' } } }] }] },
  'GET /process-definitions/:id/xml': { tag: 'Modelli', summary: 'Il BPMN sorgente', ok: [200, 'application/xml'] },
  'GET /process-definitions/:id/diff': { tag: 'Modelli', summary: 'Differenze rispetto a un’altra versione o al modello condiviso', ok: [200, json] },
  'POST /process-definitions/:key/start': { tag: 'Pratiche', summary: 'Avvia una pratica (istanza) del processo per un comune', body: ref('StartRequest'), ok: [201, ref('Instance')] },
  'POST /migrations': { tag: 'Modelli', summary: 'Migra pratiche attive a un’altra versione (o anteprima)', body: json, ok: [200, json] },

  'GET /process-instances': { tag: 'Pratiche', summary: 'Pratiche del comune', query: { status: q(['active', 'completed', 'cancelled', 'all']), businessKey: { type: 'string' }, key: { type: 'string' }, tenant: { type: 'string' }, ...paging }, ok: [200, page(ref('InstanceSummary'))] },
  'GET /process-instances/:id': { tag: 'Pratiche', summary: 'Una pratica con variabili e task aperti', ok: [200, ref('Instance')] },
  'POST /process-instances/:id/cancel': { tag: 'Pratiche', summary: 'Annulla una pratica (responsabile, admin)', body: { type: 'object', properties: { reason: { type: 'string' } } }, ok: [200, ref('Instance')] },
  'GET /process-instances/:id/history': { tag: 'Pratiche', summary: 'Storia della pratica: eventi di lavoro (default) o anche del motore (detail=engine)', query: { detail: q(['business', 'engine']) }, ok: [200, ref('History')] },
  'GET /process-instances/:id/timeline': { tag: 'Pratiche', summary: 'Fasi della pratica con tempi e scadenze', ok: [200, ref('Timeline')] },
  'GET /process-instances/:id/documents': { tag: 'Documenti', summary: 'Documenti della pratica', ok: [200, { type: 'object', required: ['processInstanceId', 'items', 'total'], properties: { processInstanceId: { type: 'string' }, items: { type: 'array', items: ref('Document') }, total: { type: 'integer' } } }] },
  'POST /process-instances/:id/documents': { tag: 'Documenti', summary: 'Genera un documento (progetto, lettera) dai dati della pratica', body: { type: 'object', required: ['type'], properties: { type: { type: 'string' } } }, ok: [201, ref('Document')] },
  'GET /documents/:id': { tag: 'Documenti', summary: 'Un documento', ok: [200, ref('Document')] },
  'GET /documents/:id/pdf': { tag: 'Documenti', summary: 'Il PDF del documento', ok: [200, 'application/pdf'] },
  'GET /documents/:id/html': { tag: 'Documenti', summary: "L'HTML del documento", ok: [200, 'text/html'] },

  'GET /tasks': { tag: 'Task', summary: 'Lista di lavoro: filtri, ordinamento, paginazione', query: { assignee: { type: 'string' }, candidateGroup: { type: 'string' }, mine: q(['true', 'false']), processKey: { type: 'string' }, elementId: { type: 'string' }, businessKey: { type: 'string' }, processInstanceId: { type: 'string' }, status: q(['open', 'completed', 'cancelled', 'all']), dueBefore: { type: 'string' }, dueAfter: { type: 'string' }, sort: q(['due', 'created', 'priority']), order: q(['asc', 'desc']), exactTotal: q(['true', 'false']), ...paging }, ok: [200, taskPage] },
  'GET /tasks/:id': { tag: 'Task', summary: 'Un task', ok: [200, ref('Task')] },
  'GET /tasks/:id/form': { tag: 'Task', summary: 'Il modulo del task con i valori attuali', ok: [200, ref('TaskForm')] },
  'GET /tasks/:id/draft': { tag: 'Task', summary: 'La bozza salvata del modulo (404 DRAFT_NOT_FOUND se non c’è)', ok: [200, ref('TaskDraft')] },
  'PUT /tasks/:id/draft': { tag: 'Task', summary: 'Salva (sostituisce) la bozza del modulo senza completare il task', body: { type: 'object', required: ['data'], properties: { data: { type: 'object' } } }, ok: [200, ref('TaskDraft')] },
  'DELETE /tasks/:id/draft': { tag: 'Task', summary: 'Scarta la bozza', ok: [204, null] },
  'POST /tasks/:id/claim': { tag: 'Task', summary: 'Prende in carico il task', ok: [200, ref('Task')] },
  'POST /tasks/:id/unclaim': { tag: 'Task', summary: 'Rilascia il task', ok: [200, ref('Task')] },
  'POST /tasks/:id/assign': { tag: 'Task', summary: 'Assegna il task a un utente (responsabile) o a sé', body: { type: 'object', required: ['user'], properties: { user: { type: ['string', 'null'] } } }, ok: [200, ref('Task')] },
  'POST /tasks/:id/complete': { tag: 'Task', summary: 'Completa il task (dati validati col modulo)', body: { type: 'object', properties: { variables: ref('Variables') } }, ok: [200, ref('Task')] },
  'POST /messages': { tag: 'Pratiche', summary: 'Recapita un messaggio alle pratiche in attesa', body: ref('MessageRequest'), ok: [200, ref('MessageResult')] },

  'GET /sla/summary': { tag: 'SLA', summary: 'Riepilogo dei tempi e delle scadenze per fase', ok: [200, ref('SlaSummary')] },
  'POST /applications': { tag: 'Domande', summary: 'Presenta una domanda REI: controlli, anagrafica, avvio della pratica', body: json, ok: [201, ref('ApplicationResult')] },
  'GET /subjects': { tag: 'Anagrafica', summary: 'Soggetti del comune', ok: [200, page(json)] },
  'GET /subjects/:id': { tag: 'Anagrafica', summary: 'Un soggetto con le sue pratiche', ok: [200, json] },
  'POST /decisions/:key/evaluate': { tag: 'Decisioni', summary: 'Valuta una decisione DMN', body: { type: 'object', properties: { tenant: { type: ['string', 'null'] }, variables: ref('Variables') } }, ok: [200, ref('Evaluation')] },
  'GET /decision-definitions': { tag: 'Decisioni', summary: 'Definizioni di decisione', ok: [200, page(json, false)] },
  'GET /decision-definitions/:id': { tag: 'Decisioni', summary: 'Una definizione di decisione', ok: [200, json] },
  'GET /decision-definitions/:id/xml': { tag: 'Decisioni', summary: 'Il DMN sorgente', ok: [200, 'application/xml'] },
  'GET /audit': { tag: 'Audit', summary: 'Registro delle letture di dati personali (responsabile del comune, admin); in sola aggiunta', query: { subjectId: { type: 'string' }, userId: { type: 'string', format: 'uuid' }, from: { type: 'string', format: 'date-time' }, to: { type: 'string', format: 'date-time' }, tenant: { type: 'string' }, ...paging }, ok: [200, page(ref('AuditRecord'))] },
  'POST /siuss/extractions': { tag: 'SIUSS', summary: 'Estrazione nativa dei benefici dalle pratiche del comune per un periodo (idempotente)', body: { type: 'object', required: ['from', 'to'], properties: { from: { type: 'string', format: 'date' }, to: { type: 'string', format: 'date' }, tenant: { type: 'string' } } }, ok: [200, { type: 'object', required: ['created', 'updated', 'unchanged', 'refused'], properties: { created: { type: 'integer' }, updated: { type: 'integer' }, unchanged: { type: 'integer' }, refused: { type: 'integer' } } }] },
  'POST /siuss/records': { tag: 'SIUSS', summary: 'Inserimento manuale di un record (normalizzato e controllato; 422 con details.errors per campo)', body: { type: 'object', required: ['tipo', 'fields'], properties: { tipo: q(['PS_PSA_SINA', 'SINBA']), fields: { type: 'object' }, tenant: { type: 'string' } } }, ok: [201, { allOf: [ref('SiussRecord'), { type: 'object', required: ['outcome', 'notes'], properties: { outcome: q(['created', 'merged', 'unchanged']), notes: { type: 'array' } } }] }] },
  'GET /siuss/records': { tag: 'SIUSS', summary: 'Registro dei record SIUSS del comune', query: { status: q(['da_completare', 'pronto', 'inviato', 'accettato', 'scartato']), codiceFiscale: { type: 'string' }, tipo: q(['PS_PSA_SINA', 'SINBA']), tenant: { type: 'string' }, ...paging }, ok: [200, page(ref('SiussRecord'))] },
  'GET /siuss/records/:id': { tag: 'SIUSS', summary: 'Un record con la sua storia', ok: [200, { allOf: [ref('SiussRecord'), { type: 'object', required: ['history'], properties: { history: { type: 'array' } } }] }] },
  'PUT /siuss/records/:id': { tag: 'SIUSS', summary: 'Correzione di un record (version per il blocco ottimistico: 409 se cambiato)', body: { type: 'object', required: ['version', 'fields'], properties: { version: { type: 'integer' }, fields: { type: 'object' } } }, ok: [200, ref('SiussRecord')] },
  'DELETE /siuss/records/:id': { tag: 'SIUSS', summary: 'Cancella un record: rimosso se mai acquisito da INPS, altrimenti cancellazione (C) al prossimo invio', query: { version: { type: 'integer' } }, ok: [200, { type: 'object', required: ['removed', 'record'], properties: { removed: { type: 'boolean' }, record: { oneOf: [ref('SiussRecord'), { type: 'null' }] } } }] },
  'POST /siuss/check': { tag: 'SIUSS', summary: 'Controllo di completezza prima dell’invio: errori e avvisi per record', body: { type: 'object', properties: { ids: { type: 'array', items: { type: 'string', format: 'uuid' } }, tenant: { type: 'string' } } }, ok: [200, { type: 'object', required: ['items', 'total', 'errors'], properties: { items: { type: 'array', items: { type: 'object', required: ['id', 'status', 'errors', 'warnings'], properties: { id: { type: 'string', format: 'uuid' }, status: { type: 'string' }, errors: { type: 'array', items: ref('SiussProblem') }, warnings: { type: 'array', items: ref('SiussProblem') } } } }, total: { type: 'integer' }, errors: { type: 'integer' } } }] },
  'POST /siuss/flows': { tag: 'SIUSS', summary: 'Genera i flussi da tutti i record pronti (waas: un beneficiario e una prestazione per flusso; file: molti, entro il limite di dimensione)', body: { type: 'object', required: ['tipo', 'modalita', 'cfOperatore'], properties: { tipo: q(['PS_PSA_SINA', 'SINBA']), modalita: q(['waas', 'file']), cfOperatore: { type: 'string' }, codiceEnte: { type: 'string' }, maxBytes: { type: 'integer' }, tenant: { type: 'string' } } }, ok: [201, page(ref('SiussFlow'), false)] },
  'GET /siuss/flows': { tag: 'SIUSS', summary: 'Flussi generati con stato ed esito', query: { tipo: q(['PS_PSA_SINA', 'SINBA']), status: q(['generato', 'prelevato', 'accettato', 'scartato']), tenant: { type: 'string' }, ...paging }, ok: [200, page(ref('SiussFlow'))] },
  'GET /siuss/flows.zip': { tag: 'SIUSS', summary: 'Zip dei flussi (ids separati da virgola; default: quelli senza esito), un file <id_flusso>.xml per flusso', query: { ids: { type: 'string' }, tipo: q(['PS_PSA_SINA', 'SINBA']), tenant: { type: 'string' } }, ok: [200, 'application/zip'] },
  'GET /siuss/flows/:id': { tag: 'SIUSS', summary: 'Un flusso con i record che contiene', ok: [200, { allOf: [ref('SiussFlow'), { type: 'object', required: ['items'], properties: { items: { type: 'array' } } }] }] },
  'GET /siuss/flows/:id/xml': { tag: 'SIUSS', summary: 'L’XML del flusso (valido per lo XSD ufficiale)', ok: [200, 'application/xml'] },
  'POST /siuss/flows/:id/esito': { tag: 'SIUSS', summary: 'Registra l’esito INPS di un flusso caricato a mano (responsabile)', body: { type: 'object', required: ['codice'], properties: { codice: { type: 'string' }, descrizione: { type: 'string' }, idAcquisizione: { type: 'string' } } }, ok: [200, ref('SiussFlow')] },
  'GET /incidents': { tag: 'Incidenti', summary: 'Incidenti del comune', query: { status: q(['open', 'resolved', 'all']), processInstanceId: { type: 'string' }, kind: q(['external-task-failed', 'job-failed']), ...paging }, ok: [200, page(ref('Incident'))] },
  'GET /incidents/:id': { tag: 'Incidenti', summary: 'Un incidente', ok: [200, ref('Incident')] },
  'POST /siuss/imports': { tag: 'SIUSS', summary: 'Importa record SIUSS da un file CSV, XLSX o TXT con una mappatura (report per riga; 202 e avanzamento per i file grandi)', body: ref('SiussImportRequest'), bodyType: 'multipart/form-data', ok: [200, ref('SiussImport')], also: [[202, ref('SiussImport')]] },
  'GET /siuss/imports/:id': { tag: 'SIUSS', summary: "Avanzamento e report di un'importazione (righe filtrabili per esito)", query: { outcome: q(['imported', 'merged', 'refused']), limit: { type: 'integer', minimum: 1, maximum: 10000, default: 1000 }, offset: { type: 'integer', minimum: 0, default: 0 } }, ok: [200, ref('SiussImport')] },
  'GET /siuss/mappings/:name': { tag: 'SIUSS', summary: 'Una mappatura delle colonne salvata dal comune', query: { tenant: { type: 'string' } }, ok: [200, ref('SiussSavedMapping')] },
  'PUT /siuss/mappings/:name': { tag: 'SIUSS', summary: 'Salva (crea o sostituisce) una mappatura delle colonne del comune', query: { tenant: { type: 'string' } }, body: ref('SiussMapping'), ok: [200, ref('SiussSavedMapping')], also: [[201, ref('SiussSavedMapping')]] },
  'POST /incidents/:id/retry': { tag: 'Incidenti', summary: 'Riprova il lavoro fallito (responsabile, admin)', body: { type: 'object', properties: { retries: { type: 'integer', minimum: 1 } } }, ok: [200, ref('Incident')] },
};

const errorReply = { description: 'Errore (4xx/5xx)', content: { 'application/json': { schema: ref('Error') } } };

/** koa `/tasks/:id` → OpenAPI `/tasks/{id}`. */
export function openApiPath(koaPath: string): string {
  return koaPath.replace(/:([A-Za-z_]\w*)/g, '{$1}');
}

export function buildOpenApi(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [key, op] of Object.entries(OPERATIONS)) {
    const [method, koaPath] = key.split(' ') as [string, string];
    const path = openApiPath(koaPath);
    const pathParams = [...koaPath.matchAll(/:([A-Za-z_]\w*)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    const queryParams = Object.entries(op.query ?? {}).map(([name, schema]) => ({ name, in: 'query', required: false, schema }));
    const [status, schema] = op.ok ?? [200, ref('Object')];
    const success =
      schema === null
        ? { description: 'Nessun contenuto' }
        : typeof schema === 'string'
          ? { description: 'OK', content: { [schema]: { schema: { type: 'string' } } } }
          : { description: 'OK', content: { 'application/json': { schema } } };
    paths[path] ??= {};
    paths[path][method.toLowerCase() as Method] = {
      tags: [op.tag],
      summary: op.summary,
      operationId: `${method.toLowerCase()}${koaPath.replace(/[/:.-]+(\w)/g, (_m, c: string) => c.toUpperCase())}`,
      ...(op.auth === 'public' ? { security: [] } : op.auth === 'service' ? { security: [{ basic: [] }] } : {}),
      ...(pathParams.length || queryParams.length ? { parameters: [...pathParams, ...queryParams] } : {}),
      ...(op.body ? { requestBody: { required: true, content: { [op.bodyType ?? 'application/json']: { schema: op.body } } } } : {}),
      responses: { [String(status)]: success, ...Object.fromEntries((op.also ?? []).map(([s, sch]) => [String(s), { description: 'OK', content: { 'application/json': { schema: sch } } }])), default: errorReply },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'REI engine API',
      version,
      description: 'API REST del motore di processi REI per i comuni: pratiche, task, modelli, parametri, decisioni, documenti, utenti. Errori: {error: {code, message, details}}.',
    },
    servers: [{ url: '/api/v1' }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, basic: { type: 'http', scheme: 'basic' } },
      schemas,
    },
    paths,
  };
}
