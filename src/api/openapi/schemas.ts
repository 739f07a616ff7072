/**
 * JSON Schemas (2020-12, as OpenAPI 3.1 uses) of the API's bodies: the
 * components every operation refers to. Objects allow extra properties, so a
 * field added to a reply never breaks a client; the listed ones are promised.
 */
export type Schema = Record<string, unknown>;

const str: Schema = { type: 'string' };
const strN: Schema = { type: ['string', 'null'] };
const int: Schema = { type: 'integer' };
const bool: Schema = { type: 'boolean' };
const dateTime: Schema = { type: 'string', format: 'date-time' };
const dateTimeN: Schema = { type: ['string', 'null'], format: 'date-time' };
const uuid: Schema = { type: 'string', format: 'uuid' };
const strings: Schema = { type: 'array', items: str };
const anyObject: Schema = { type: 'object' };
export const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

/** An object whose listed properties are all required. */
function obj(properties: Record<string, Schema>, optional: readonly string[] = []): Schema {
  return { type: 'object', properties, required: Object.keys(properties).filter((k) => !optional.includes(k)) };
}
/** A page of a list: items, total, and limit/offset when the list is paged. */
export function page(item: Schema, paged = true): Schema {
  return obj({ items: { type: 'array', items: item }, total: int, ...(paged ? { limit: int, offset: int } : {}) });
}

const belfiore: Schema = { type: 'string', pattern: '^[A-Z]\\d{3}$', description: 'Codice Belfiore del comune, es. F205' };
/** A user's codice fiscale: how a SPID/CIE sign-in (OpenID Connect) finds the user; null: password sign-in only. */
const codiceFiscaleN: Schema = { type: ['string', 'null'], description: 'Codice fiscale (16 caratteri) con cui l\'utente accede con SPID/CIE; null: solo password' };
const role: Schema = { type: 'string', enum: ['admin', 'analista', 'responsabile', 'operatore', 'assistente_sociale', 'inps'] };

export const schemas: Record<string, Schema> = {
  Error: obj({
    error: obj({
      code: { type: 'string', description: 'Codice stabile, es. TASK_NOT_FOUND, VALIDATION_FAILED' },
      message: { type: 'string', description: 'Messaggio in italiano' },
      details: { description: 'Dettagli, es. {fields: [{field, message}]} per i dati non validi', type: ['object', 'array', 'null'] },
    }),
  }),
  Health: obj({ status: { type: 'string', enum: ['ok', 'degraded'] }, database: anyObject, time: dateTime }),
  LoginRequest: obj({ username: str, password: str }),
  OidcTokenRequest: { ...obj({ id_token: { type: 'string', description: "ID token (JWT) emesso dal provider OIDC SPID/CIE configurato" } }), additionalProperties: false },
  Me: obj({ username: str, tenant: strN, roles: { type: 'array', items: role }, groups: strings }),
  LoginResponse: obj({ token: str, tokenType: { const: 'Bearer' }, expiresAt: dateTime, user: ref('Me') }),
  Tenant: obj({ code: belfiore, name: str, calendar: anyObject, createdAt: dateTime }, ['calendar']),
  NewTenant: obj({ code: belfiore, name: str }),
  User: obj({ id: uuid, username: str, tenant: { ...belfiore, type: ['string', 'null'] }, roles: { type: 'array', items: role }, groups: strings, active: bool, codiceFiscale: codiceFiscaleN, createdAt: dateTime }),
  NewUser: obj({ username: str, password: { type: 'string', minLength: 8 }, tenant: { ...belfiore, type: ['string', 'null'] }, roles: { type: 'array', items: role, minItems: 1 }, groups: strings, codiceFiscale: codiceFiscaleN }, ['groups', 'codiceFiscale']),
  UserChange: { type: 'object', properties: { roles: { type: 'array', items: role, minItems: 1 }, groups: strings, active: bool, codiceFiscale: codiceFiscaleN }, minProperties: 1, additionalProperties: false },
  OwnPassword: obj({ currentPassword: str, newPassword: { type: 'string', minLength: 8 } }),
  PasswordReset: obj({ user: ref('User'), password: { type: 'string', description: 'Solo quando generata: mostrata una volta' } }, ['password']),
  Richiedente: obj({ nome: str, cognome: str, codiceFiscale: str }),
  Task: obj({
    id: uuid,
    tenant: str,
    processInstanceId: uuid,
    processKey: str,
    processName: { type: 'string', description: 'Nome del processo (o la sua chiave se senza nome)' },
    businessKey: strN,
    elementId: str,
    name: strN,
    stepName: { type: 'string', description: 'Nome del passo (o il suo id se senza nome)' },
    protocollo: { type: ['string', 'null'], description: 'Protocollo della domanda della pratica' },
    richiedente: { oneOf: [ref('Richiedente'), { type: 'null' }] },
    assignee: strN,
    candidateGroups: strings,
    candidateUsers: strings,
    formKey: strN,
    priority: int,
    dueAt: dateTimeN,
    followUpAt: dateTimeN,
    status: { type: 'string', enum: ['open', 'completed', 'cancelled'] },
    createdAt: dateTime,
    claimedAt: dateTimeN,
    endedAt: dateTimeN,
    completedBy: strN,
  }),
  TaskForm: obj({ formKey: str, formId: str, source: { type: 'string', enum: ['deployment', 'file'] }, tenant: strN, schema: anyObject, data: anyObject, draft: { oneOf: [{ type: 'null' }, ref('TaskDraft')] } }),
  TaskDraft: obj({ data: anyObject, updatedBy: str, updatedAt: dateTime }),
  Variables: { type: 'object', description: 'Variabili di processo per nome', additionalProperties: true },
  InstanceSummary: obj({
    id: uuid,
    tenant: str,
    definitionId: uuid,
    definitionKey: str,
    definitionVersion: int,
    businessKey: strN,
    status: { type: 'string', enum: ['active', 'completed', 'cancelled'] },
    activeElements: strings,
    startedBy: strN,
    startedAt: dateTime,
    endedAt: dateTimeN,
    version: int,
  }),
  Instance: {
    allOf: [
      ref('InstanceSummary'),
      obj({ variables: ref('Variables'), params: anyObject, openTasks: { type: 'array', items: obj({ id: uuid, elementId: str, name: strN, assignee: strN, candidateGroups: strings, dueAt: dateTimeN }) } }),
    ],
  },
  StartRequest: { type: 'object', properties: { tenant: belfiore, businessKey: strN, variables: ref('Variables') }, additionalProperties: false },
  HistoryEntry: obj({
    id: { type: ['integer', 'null'], description: 'Id della riga di storia; null per un documento' },
    at: dateTime,
    type: { type: 'string', description: 'Es. task.completed, decision.evaluated, document.created; con detail=engine anche element.entered, timer.scheduled…' },
    label: { type: 'string', description: 'Cosa è successo, in italiano' },
    elementId: strN,
    elementType: strN,
    elementName: strN,
    taskId: strN,
    user: strN,
    details: {},
  }),
  History: obj({ processInstanceId: uuid, detail: { type: 'string', enum: ['business', 'engine'] }, items: { type: 'array', items: ref('HistoryEntry') }, total: int }),
  Definition: obj({ id: uuid, key: str, version: int, tenant: strN, name: strN, deploymentId: uuid, resourceName: str, createdAt: dateTime }),
  DeployFile: obj({ name: str, content: str }),
  DeployRequest: obj({ name: str, tenant: { ...belfiore, type: ['string', 'null'] }, files: { type: 'array', items: ref('DeployFile') } }, ['name', 'tenant']),
  DeployResult: obj({ deploymentId: { type: ['string', 'null'] }, definitions: { type: 'array', items: anyObject }, forms: { type: 'array', items: anyObject }, decisions: { type: 'array', items: anyObject }, warnings: { type: 'array', items: anyObject } }, ['forms', 'decisions']),
  Problem: obj({ message: str, elementId: str, line: { type: 'integer' }, column: { type: 'integer' }, file: str, field: str, rule: str }, ['elementId', 'line', 'column', 'file', 'field', 'rule']),
  ValidationReport: obj({ valid: { type: 'boolean' }, errors: { type: 'array', items: ref('Problem') }, warnings: { type: 'array', items: ref('Problem') } }),
  Incident: obj({
    id: uuid,
    tenant: str,
    processInstanceId: uuid,
    kind: { type: 'string', enum: ['job-failed', 'external-task-failed'] },
    externalTaskId: strN,
    jobId: strN,
    elementId: strN,
    message: str,
    status: { type: 'string', enum: ['open', 'resolved'] },
    createdAt: dateTime,
    resolvedAt: dateTimeN,
    resolvedBy: strN,
  }),
  Document: obj({ id: uuid, processInstanceId: uuid, tenant: str, type: str, title: str, template: str, fileName: str, createdAt: dateTime, createdBy: strN, links: anyObject }),
  MessageRequest: { type: 'object', required: ['name'], properties: { name: str, businessKey: str, processInstanceId: uuid, tenant: belfiore, variables: ref('Variables') } },
  MessageResult: obj({ delivered: { type: 'array', items: obj({ processInstanceId: uuid, businessKey: strN, status: str, activeElements: strings }) } }),
  ApplicationResult: obj({ instanceId: uuid, businessKey: strN, soggettoId: uuid, rinnovo: bool, durataMesi: int, status: str }),
  Evaluation: obj({ decisionKey: str, definitionId: uuid, version: int, tenant: strN, definitionTenant: strN, result: { type: ['object', 'array', 'null'] }, value: { description: 'Il valore DMN della decisione (come lo vedono le decisioni che la richiedono): numero, testo, data ISO, lista, contesto o null' }, matchedRules: strings, requiredDecisions: anyObject }, ['requiredDecisions', 'value']),
  ParameterVersions: obj({ items: { type: 'array', items: obj({ version: int, values: anyObject, comment: strN, createdBy: str, createdAt: dateTime }) }, total: int }),
  SlaSummary: obj({ from: dateTime, to: dateTime, now: dateTime, tenant: strN, atRiskShare: { type: 'number' }, perTenant: bool, items: { type: 'array', items: anyObject } }),
  Timeline: obj({ processInstanceId: uuid, businessKey: strN, status: str, startedAt: dateTime, endedAt: dateTimeN }),
  OfficeProfile: obj(
    {
      ente: str,
      servizio: str,
      indirizzo: str,
      cap: { type: 'string', pattern: '^\\d{5}$' },
      citta: str,
      provincia: { type: 'string', pattern: '^[A-Z]{2}$' },
      telefono: str,
      email: str,
      pec: str,
      orari: str,
      logo: { type: 'string', description: 'data URL PNG o JPEG in base64' },
      firmatario: obj({ nome: str, qualifica: str }),
      responsabileProcedimento: obj({ nome: str, telefono: str, email: str }, ['telefono', 'email']),
    },
    ['telefono', 'email', 'pec', 'orari', 'logo'],
  ),
  Office: obj({ tenant: str, configured: bool, profile: { oneOf: [ref('OfficeProfile'), { type: 'null' }] }, updatedAt: dateTimeN, updatedBy: strN }),
  AuditRecord: obj({
    id: uuid,
    at: dateTime,
    tenant: str,
    userId: uuid,
    username: str,
    action: { type: 'string', enum: ['read', 'download'] },
    objectType: { type: 'string', enum: ['case', 'subject', 'task_form', 'document'] },
    objectId: str,
    detail: strN,
    subjectId: strN,
    channel: { type: 'string', enum: ['api', 'web'] },
    ip: strN,
    userAgent: strN,
  }),
  SiussMapping: {
    type: 'object',
    required: ['fields'],
    description: 'Mappatura delle colonne di un export verso i campi del record SIUSS (vedi README, SIUSS › Import)',
    properties: {
      tipo: { type: 'string', enum: ['PS_PSA_SINA', 'SINBA'] },
      format: { type: 'string', enum: ['csv', 'xlsx', 'txt'] },
      encoding: { type: 'string', enum: ['auto', 'utf-8', 'windows-1252'] },
      delimiter: { type: 'string', minLength: 1, maxLength: 1 },
      header: bool,
      skipLines: { type: 'integer', minimum: 0 },
      sheet: { type: ['string', 'integer'] },
      description: str,
      fields: {
        type: 'object',
        additionalProperties: { oneOf: [str, { type: 'integer', minimum: 1 }, obj({ start: int, length: int }), obj({ value: str })] },
      },
    },
  },
  SiussSavedMapping: obj({ name: str, tenant: belfiore, mapping: ref('SiussMapping'), updatedAt: dateTime, updatedBy: strN }),
  SiussImportRequest: {
    type: 'object',
    description: 'multipart/form-data: file (CSV, XLSX o TXT), mapping (JSON o nome di una mappatura salvata), tenant (utenti metropolitani)',
    properties: { file: { type: 'string', contentMediaType: 'application/octet-stream' }, mapping: str, tenant: belfiore },
  },
  SiussImport: obj({
    id: uuid,
    tenant: belfiore,
    fileName: str,
    format: { type: 'string', enum: ['csv', 'xlsx', 'txt'] },
    tipo: { type: 'string', enum: ['PS_PSA_SINA', 'SINBA'] },
    mapping: strN,
    status: { type: 'string', enum: ['running', 'completed', 'failed'] },
    progress: obj({ bytesRead: int, bytesTotal: int, rowsRead: int, percent: { type: 'integer', minimum: 0, maximum: 100 } }),
    counts: obj({ imported: int, merged: int, refused: int }),
    error: { oneOf: [obj({ code: str, message: str }), { type: 'null' }] },
    createdAt: dateTime,
    finishedAt: dateTimeN,
    rows: {
      type: 'array',
      items: obj({
        line: int,
        outcome: { type: 'string', enum: ['imported', 'merged', 'refused'] },
        recordId: strN,
        status: strN,
        errors: { type: 'array', items: obj({ field: str, message: str }, ['field']) },
        notes: { type: 'array', items: obj({ field: str, message: str }, ['field']) },
      }),
    },
    rowsTotal: int,
  }),
  SiussProblem: obj({ field: str, message: str, kind: { type: 'string', enum: ['mancante', 'non_valido', 'regola', 'duplicato', 'avviso'] } }),
  SiussRecord: obj({
    id: uuid,
    tenant: belfiore,
    tipo: { type: 'string', enum: ['PS_PSA_SINA', 'SINBA'] },
    status: { type: 'string', enum: ['da_completare', 'pronto', 'inviato', 'accettato', 'scartato'] },
    operation: { type: ['string', 'null'], enum: ['I', 'U', 'C', null], description: 'Operazione del prossimo invio (I inserimento, U aggiornamento = C+I, C cancellazione)' },
    origin: { type: 'string', enum: ['native', 'import', 'manual'] },
    originRef: strN,
    codiceFiscale: strN,
    codicePrestazione: strN,
    data: { type: 'object', description: 'Campi con i nomi degli attributi XSD (CodiceFiscale, CodicePrestazione, …)' },
    errors: { type: 'array', items: ref('SiussProblem') },
    warnings: { type: 'array', items: ref('SiussProblem') },
    deleted: bool,
    cancelled: bool,
    esito: { oneOf: [obj({ codice: str, descrizione: strN, idAcquisizione: strN }), { type: 'null' }] },
    lastFlowId: { type: ['string', 'null'], format: 'uuid' },
    createdAt: dateTime,
    updatedAt: dateTime,
    version: int,
  }),
  SiussFlow: obj({
    id: uuid,
    id_flusso: { type: 'string', pattern: '^[A-Z]\\d{3}\\.(PS|SINBA)\\.\\d{8}\\.\\d{7}$' },
    tenant: belfiore,
    tipo: { type: 'string', enum: ['PS_PSA_SINA', 'SINBA'] },
    modalita: { type: 'string', enum: ['waas', 'file'] },
    status: { type: 'string', enum: ['generato', 'prelevato', 'accettato', 'scartato'] },
    records: int,
    sizeBytes: int,
    esito: { oneOf: [obj({ codice: str, descrizione: strN, idAcquisizione: strN, at: dateTimeN }), { type: 'null' }] },
    createdAt: dateTime,
    createdMs: int,
    pulledAt: dateTimeN,
  }),
  Object: { type: 'object', description: 'Oggetto JSON (vedi README per i campi)' },
};
