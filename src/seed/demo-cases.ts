/**
 * The demo's REI cases, replayed through the clock over the last SEED_WEEKS
 * weeks. Every case is a plan of dated steps — application received, CAF
 * checks (Milano), manual check, sending to INPS, INPS outcome, analysis,
 * équipe, project, signature, convocation — done by the demo users through
 * the same services the API uses (form validation included), on working days
 * of the comune's calendar, with durations drawn from a fixed-seed generator:
 * some steps finish early, some late, some are still open near or past their
 * deadline. The steps of all cases run in time order; before each, the clock
 * moves to it and the job executor fires the timers due on the way (at their
 * own due time), so escalations appear when they would have.
 */
import type { Services } from '../app-context.js';
import type { Principal, Role } from '../auth/principal.js';
import { Tenant, User } from '../db/entities/index.js';
import { addCalendarDays, fromRomeWallTime, romeDay } from '../engine/calendar/dates.js';
import { createCalendar, normalizeSettings, type WorkingCalendar } from '../engine/calendar/index.js';
import type { TimeTravel } from '../shared/clock.js';
import { DEMO_TENANTS, SEED_WEEKS, application } from './demo.js';

/** Where a demo case stops. */
type Phase = 'controlli' | 'rigetto' | 'invio' | 'analisi' | 'equipe' | 'firma' | 'monitoraggio';

interface CaseSpec {
  phase: Phase;
  /** Calendar days between the application and today. */
  daysAgo: number;
  /** The automatic checks cannot decide (no ISEE): an operator (Milano: the CAF) checks by hand. */
  manual?: boolean;
  /** ISEE declared (default 3500); above 6000 the automatic checks reject. */
  isee?: number;
  /** Needs found by the analysis: solo_lavoro → patto di servizio; semplici → project; complessi → équipe first. */
  bisogni?: 'solo_lavoro' | 'semplici' | 'complessi';
}

/** Per comune; ages shift a little from one comune to the next. */
const CASES: CaseSpec[] = [
  { phase: 'controlli', daysAgo: 3, manual: true },
  { phase: 'controlli', daysAgo: 17, manual: true },
  { phase: 'controlli', daysAgo: 27, manual: true },
  { phase: 'rigetto', daysAgo: 30, isee: 7200 },
  { phase: 'rigetto', daysAgo: 41, manual: true },
  { phase: 'invio', daysAgo: 1 },
  { phase: 'analisi', daysAgo: 16 },
  { phase: 'analisi', daysAgo: 37, manual: true },
  { phase: 'equipe', daysAgo: 46, manual: true, bisogni: 'complessi' },
  { phase: 'firma', daysAgo: 48, bisogni: 'semplici' },
  { phase: 'monitoraggio', daysAgo: 55, bisogni: 'solo_lavoro' },
  { phase: 'monitoraggio', daysAgo: 52, manual: true, bisogni: 'semplici' },
];

const FAMILIES: Array<[string, string, string]> = [
  ['Rossi', 'Mario', 'Giulia'], ['Bianchi', 'Luca', 'Sara'], ['Esposito', 'Giuseppe', 'Anna'], ['Romano', 'Francesco', 'Chiara'],
  ['Colombo', 'Andrea', 'Elena'], ['Ricci', 'Marco', 'Paola'], ['Marino', 'Alessandro', 'Laura'], ['Greco', 'Davide', 'Marta'],
  ['Bruno', 'Stefano', 'Silvia'], ['Gallo', 'Roberto', 'Valentina'], ['Conti', 'Matteo', 'Federica'], ['De Luca', 'Simone', 'Alessia'],
];

const DOCUMENT_TOPICS = ['documento-progetto', 'documento-rigetto', 'documento-convocazione', 'documento-sanzione'];

export interface DemoSeedReport {
  cases: number;
  weeks: number;
  tasksCompleted: number;
}

interface Step {
  at: Date;
  order: number;
  label: string;
  run: () => Promise<void>;
}

/**
 * Seeds the cases (skipped when the REI model is not deployed). `travel` moves
 * the services' clock; it is back where it was when this returns.
 */
export async function seedDemoCases(services: Services, travel: TimeTravel): Promise<DemoSeedReport> {
  const end = services.clock.now();
  const today = romeDay(end);
  const steps: Step[] = [];
  const report: DemoSeedReport = { cases: 0, weeks: SEED_WEEKS, tasksCompleted: 0 };
  const em = services.orm.em.fork();
  const people = new Map((await em.find(User, {})).map((u) => [u.username, { id: u.id, username: u.username, tenant: u.tenant, roles: u.roles as Role[], groups: u.groups } satisfies Principal]));
  const who = (username: string): Principal => {
    const p = people.get(username);
    if (!p) throw new Error(`utente demo ${username} mancante`);
    return p;
  };
  let order = 0;
  for (const [i, t] of DEMO_TENANTS.entries()) {
    const tenant = await em.findOne(Tenant, { code: t.code });
    const calendar = createCalendar(normalizeSettings((tenant?.calendar ?? {}) as Record<string, unknown>));
    const random = generator(1 + i * 7919);
    for (const [j, spec] of CASES.entries()) {
      const daysAgo = Math.min(SEED_WEEKS * 7, spec.daysAgo + ((i * 2 + j) % 3) - 1);
      // A plan that does not fit in the case's age is drawn again at a quicker pace.
      let plan = new CasePlan(services, { tenant: t.code, calendar, random, who, report, today, end }, 1);
      plan.build(spec, daysAgo, j, i * 100 + j + 1, i * 20 + j);
      for (let pace = 0.8; !plan.fits() && pace > 0.1; pace -= 0.15) {
        plan = new CasePlan(services, { tenant: t.code, calendar, random, who, report, today, end }, pace);
        plan.build(spec, daysAgo, j, i * 100 + j + 1, i * 20 + j);
      }
      for (const s of plan.steps) steps.push({ ...s, order: order++ });
    }
  }
  steps.sort((a, b) => a.at.getTime() - b.at.getTime() || a.order - b.order);
  const failed = new Set<string>();
  try {
    if (steps.length) travel.set(steps[0]!.at);
    for (const step of steps) {
      const caseKey = step.label.split(' ')[0]!;
      if (failed.has(caseKey)) continue;
      await advanceTo(services, travel, step.at);
      try {
        await step.run();
      } catch (err) {
        failed.add(caseKey);
        console.warn(`Demo: pratica ${caseKey} ferma prima di "${step.label.slice(caseKey.length + 1)}" (${(err as Error).message})`);
        if (report.cases === 0) break; // no REI model: nothing to seed
      }
    }
    await advanceTo(services, travel, end);
  } finally {
    travel.reset();
  }
  await services.executor.drain();
  return report;
}

/** Moves the clock to `to`, firing on the way every job due before it at its own due time. */
async function advanceTo(services: Services, travel: TimeTravel, to: Date): Promise<void> {
  const conn = services.orm.em.fork().getConnection();
  for (let guard = 0; guard < 1000; guard++) {
    const [next] = (await conn.execute('select min(due_at) as due from job where due_at <= ? and retries > 0 and locked_until is null', [to])) as Array<{ due: Date | string | null }>;
    if (!next?.due) break;
    const due = new Date(next.due);
    travel.set(due.getTime() > services.clock.now().getTime() ? due : services.clock.now());
    if ((await services.executor.drain(5)) === 0) break;
  }
  if (to.getTime() > services.clock.now().getTime()) travel.set(to);
}

interface PlanContext {
  tenant: string;
  calendar: WorkingCalendar;
  random: () => number;
  who: (username: string) => Principal;
  report: DemoSeedReport;
  today: string;
  end: Date;
}

/** The dated steps of one case. */
class CasePlan {
  readonly steps: Array<Omit<Step, 'order'>> = [];
  private protocollo = '';
  private instanceId = '';
  private day = '';
  private minute = 0;

  constructor(
    private readonly services: Services,
    private readonly ctx: PlanContext,
    /** 1: durations as drawn; less: quicker, for a plan that must fit in a younger case. */
    private readonly pace: number,
  ) {}

  /** Every step before the last hour before now. */
  fits(): boolean {
    return this.steps.every((s) => s.at.getTime() < this.ctx.end.getTime() - 3_600_000);
  }

  build(spec: CaseSpec, daysAgo: number, family: number, number: number, seed: number): void {
    const { tenant, today } = this.ctx;
    const lower = tenant.toLowerCase();
    const milano = tenant === 'F205';
    const dataDomanda = this.ctx.calendar.nextWorkingDay(addCalendarDays(today, -daysAgo));
    this.day = dataDomanda;
    this.minute = 9 * 60 + Math.floor(this.ctx.random() * 120);
    this.protocollo = `REI-${tenant}-${today.slice(0, 4)}-${String(number).padStart(5, '0')}`;
    const over: Record<string, unknown> = {};
    if (spec.manual) over.isee = null;
    else if (spec.isee !== undefined) over.isee = spec.isee;
    const input = this.services.applications.parse(application(this.protocollo, dataDomanda, FAMILIES[family % FAMILIES.length]!, seed, over));
    const operatore = this.ctx.who(`operatore.${lower}`);
    const assistente = this.ctx.who(`assistente.${lower}`);

    this.at(0, 'domanda ricevuta', async () => {
      this.instanceId = (await this.services.applications.submit(input, tenant, operatore)).instance.id;
      this.ctx.report.cases++;
    });
    const rejected = spec.phase === 'rigetto';
    if (milano) {
      // The partner CAF's checks (otherwise left to `npm run caf-worker`).
      const requisiti = spec.manual
        ? { esito: 'da_verificare', motivi: ['ISEE non indicato nella domanda'] }
        : rejected
          ? { esito: 'non_ammissibile', motivi: ['ISEE di 7200 € superiore alla soglia di 6000 €'] }
          : { esito: 'ammissibile', motivi: [] };
      this.later(this.days(1, 3), 'controlli del CAF', () => this.external('caf-controlli', { requisiti, caf: this.caf() }, 'caf.f205'));
    }
    if (rejected && !spec.manual) return this.documents('lettera di rigetto');
    if (spec.manual) {
      if (spec.phase === 'controlli') return;
      const checker = milano ? this.ctx.who('caf.f205') : operatore;
      const esito = rejected
        ? { esitoIstruttoria: 'non_ammissibile', requisitiNonSoddisfatti: ['Residenza in Italia da meno di 2 anni continuativi'], motivi: 'Dal certificato anagrafico la residenza in Italia risulta iniziata meno di due anni prima della domanda.' }
        : { esitoIstruttoria: 'ammissibile', note: 'ISEE verificato sulla DSU in banca dati INPS.' };
      this.task('verificaRequisiti', checker, this.days(3, 19), 'verifica manuale', () => ({ ...esito, ...(milano ? { caf: this.caf() } : {}) }));
      if (rejected) return this.documents('lettera di rigetto');
    }
    if (spec.phase === 'invio') return;
    this.later(this.hours(1, 4), 'invio a INPS', (day) => this.external('inps-invio-domanda', { protocolloInps: `INPS-${this.protocollo}`, dataInvioInps: day }, 'connettori'));
    this.later(this.days(1, 8), 'esito INPS', () =>
      this.message('esitoInps', { esitoInps: 'positivo', motiviInps: [], protocolloInps: `INPS-${this.protocollo}` }, 'inps'),
    );
    if (spec.phase === 'analisi') return;
    const bisogni = spec.bisogni ?? 'semplici';
    this.task('analisiPreliminare', assistente, this.days(4, 20), 'analisi preliminare', (day) => ({
      dataAnalisiPreliminare: day,
      bisogni,
      areeBisogno: bisogni === 'solo_lavoro' ? ['lavoro'] : ['lavoro', 'economica'],
      sintesi: 'Colloquio con il nucleo: nessun reddito da lavoro, disponibilità a un percorso di inclusione.',
    }));
    if (bisogni === 'solo_lavoro') {
      this.task('pattoServizio', operatore, this.days(3, 14), 'patto di servizio', (day) => ({
        dataFirma: day,
        pattoServizio: { centroImpiego: "Centro per l'impiego", protocollo: `CPI-${this.protocollo.slice(-5)}` },
      }));
      this.later(this.hours(1, 3), 'notifica della firma a INPS', (day) => this.external('inps-notifica-firma', { notificaFirmaInps: { protocollo: `INPS-N-${this.protocollo.slice(-5)}`, data: day } }, 'connettori'));
      // A convocation asked for by the social worker: its task waits in the inbox.
      this.later(this.days(2, 8), 'convocazione richiesta', () => this.message('convocazione', { motivoConvocazione: 'Verifica degli impegni del patto' }, assistente.username));
      return;
    }
    if (bisogni === 'complessi') {
      this.task('costituzioneEquipe', assistente, this.days(2, 7), "costituzione dell'équipe", (day) => ({
        dataCostituzioneEquipe: day,
        componentiEquipe: [
          { servizio: 'servizi_sociali', nominativo: 'Anna Verdi', ruolo: 'assistente sociale' },
          { servizio: 'centro_impiego', nominativo: 'Paolo Neri', ruolo: 'operatore CPI' },
          { servizio: 'servizi_sanitari', nominativo: 'Giulia Fontana', ruolo: 'psicologa' },
        ],
      }));
      return;
    }
    this.task('progettoPersonalizzato', assistente, this.days(3, 12), 'progetto personalizzato', () => ({ progetto: PROGETTO }));
    this.documents('documento del progetto');
    if (spec.phase === 'firma') return;
    this.task('firmaProgetto', assistente, this.days(2, 10), 'firma del progetto', (day) => ({ dataFirma: day, firmaNucleo: true, noteFirma: 'Firmato da tutti i componenti maggiorenni.' }));
    this.later(this.hours(1, 3), 'notifica della firma a INPS', (day) => this.external('inps-notifica-firma', { notificaFirmaInps: { protocollo: `INPS-N-${this.protocollo.slice(-5)}`, data: day } }, 'connettori'));
  }

  /** The CAF's data: its office and its own protocol number (CAF-AAAA-NNNNNN, as Milano's form requires). */
  private caf() {
    return { denominazione: 'CAF Lombardia — sede di Porta Romana', protocollo: `CAF-${this.ctx.today.slice(0, 4)}-${this.protocollo.slice(-6).replace(/\D/g, '0')}` };
  }

  /** Schedules `run`, which gets the (Rome) day it happens on. */
  private at(minutesLater: number, label: string, run: (day: string) => Promise<void>): void {
    this.minute += minutesLater;
    const hh = Math.floor(this.minute / 60);
    const time = fromRomeWallTime({ year: Number(this.day.slice(0, 4)), month: Number(this.day.slice(5, 7)), day: Number(this.day.slice(8, 10)), hour: hh, minute: this.minute % 60, second: 0, ms: 0 });
    // Never in the future (a plan that still does not fit is squeezed into the last minutes), and in order.
    const previous = this.steps.at(-1)?.at.getTime() ?? 0;
    const at = new Date(Math.max(Math.min(time.getTime(), this.ctx.end.getTime() - 600_000), previous + 1000));
    const day = at.getTime() < time.getTime() ? romeDay(at) : this.day;
    this.steps.push({ at, label: `${this.protocollo} ${label}`, run: () => run(day) });
  }

  /** A step `working` days later (0: same day), in office hours. */
  private later(delay: { days: number; minutes: number }, label: string, run: (day: string) => Promise<void>): void {
    if (delay.days > 0) {
      this.day = this.ctx.calendar.addWorkingDays(this.day, delay.days);
      this.minute = 9 * 60 + Math.floor(this.ctx.random() * 60);
    }
    this.at(delay.minutes, label, run);
  }

  private days(min: number, max: number) {
    return { days: Math.round((min + Math.floor(this.ctx.random() * (max - min + 1))) * this.pace), minutes: Math.floor(this.ctx.random() * 360) };
  }

  private hours(min: number, max: number) {
    return { days: 0, minutes: (min + Math.floor(this.ctx.random() * (max - min + 1))) * 60 };
  }

  /** Claimed by `user` when the work starts, completed `delay` later through the inbox (the form is checked as for any user). */
  private task(elementId: string, user: Principal, delay: { days: number; minutes: number }, label: string, variables: (day: string) => Record<string, unknown>): void {
    let taskId = '';
    this.later({ days: Math.max(0, delay.days - 1), minutes: 30 }, `${label} (presa in carico)`, async () => {
      const open = await this.services.store.transaction(async (tx) => (await tx.openWork(this.instanceId)).tasks.find((w) => w.elementId === elementId));
      if (!open) throw new Error(`task ${elementId} non aperto`);
      taskId = open.id;
      await this.services.inbox.claim(user, taskId);
    });
    this.later({ days: delay.days > 0 ? 1 : 0, minutes: delay.minutes }, label, async (day) => {
      await this.services.inbox.complete(user, taskId, variables(day));
      this.ctx.report.tasksCompleted++;
    });
  }

  private external(topic: string, variables: Record<string, unknown>, username: string): Promise<void> {
    return this.services.store.transaction(async (tx) => {
      const ext = (await tx.openWork(this.instanceId)).externalTasks.find((e) => e.topic === topic);
      if (!ext) throw new Error(`task esterno ${topic} non aperto`);
      await this.services.processes.completeExternalTask(tx, ext, variables, { username });
    });
  }

  private message(name: string, variables: Record<string, unknown>, username: string): Promise<void> {
    return this.services.store
      .transaction((tx) => this.services.processes.deliverMessage(tx, { name, scope: this.ctx.tenant, businessKey: this.protocollo, variables }, { username }))
      .then(() => undefined);
  }

  /** The document connectors produce the letter or the project (the INPS ones are left to the server). */
  private documents(label: string): void {
    this.at(1, label, async () => {
      await this.services.connectors.drain(5, { topics: DOCUMENT_TOPICS });
    });
  }
}

const PROGETTO = {
  caseManager: 'Anna Verdi',
  obiettivi: [
    { area: 'inclusione_lavorativa', descrizione: 'Ricerca attiva di lavoro', risultatiAttesi: 'Almeno due colloqui di lavoro al mese', tempi: 'entro 6 mesi' },
    { area: 'inclusione_sociale', descrizione: 'Frequenza scolastica regolare dei figli', risultatiAttesi: 'Assenze sotto il 10%', tempi: 'anno scolastico' },
  ],
  sostegni: [{ intervento: 'Tirocinio di inclusione', periodo: 'sei mesi', risorse: "Centro per l'impiego, ente di formazione" }],
  impegniNucleo: [{ componente: 'Richiedente', impegno: 'Contatti con i servizi ogni due settimane e ricerca attiva di lavoro' }],
  impegniRete: [{ soggetto: "Centro per l'impiego", impegno: 'Proposte di lavoro e formazione congrue' }],
  azioni: [{ periodo: 'primo mese', descrizione: 'Iscrizione al CPI e bilancio di competenze' }],
};

/** A small deterministic generator (mulberry32): the same demo on every fresh database. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
