/**
 * Demo data for a fresh database (`npm run demo`): three comuni of the Città
 * Metropolitana di Milano, a user of each role in each (Abbiategrasso: one
 * group does every step; Milano: a partner-CAF account), metropolitan users,
 * and weeks of REI work. The cases are replayed through the injected clock
 * over the last SEED_WEEKS weeks (demo-cases.ts): each application is received
 * on its day, and the operators, the social workers, the CAF and INPS act on
 * it days later, in time order across every case, with the job executor
 * firing the timers (escalations) when the clock passes them. So the inboxes
 * hold work at every step, some of it late or at risk, and the SLA summary
 * and timelines show realistic durations.
 */
import { randomUUID } from 'node:crypto';
import { hashPassword, verifyPassword } from '../auth/passwords.js';
import { Tenant, User } from '../db/entities/index.js';
import { demoOffices } from './demo-offices.js';
import type { Services } from '../app-context.js';
import type { Role } from '../auth/principal.js';

export const DEMO_PASSWORD = 'demo1234';
/** How far back the demo's cases begin. */
export const SEED_WEEKS = 8;
export const DEMO_TENANTS = [
  { code: 'F205', name: 'Comune di Milano', calendar: { patronDay: '12-07', patronName: "Sant'Ambrogio" } },
  { code: 'I690', name: 'Comune di Sesto San Giovanni', calendar: { patronDay: '06-24', patronName: 'San Giovanni Battista' } },
  { code: 'A010', name: 'Comune di Abbiategrasso', calendar: {} },
];

const ROLE_USERS: Array<{ prefix: string; roles: Role[]; groups: string[] }> = [
  { prefix: 'operatore', roles: ['operatore'], groups: ['operatori-rei'] },
  { prefix: 'assistente', roles: ['assistente_sociale'], groups: ['assistenti-sociali', 'equipe'] },
  { prefix: 'responsabile', roles: ['responsabile'], groups: ['responsabili', 'operatori-rei', 'assistenti-sociali'] },
  { prefix: 'analista', roles: ['analista'], groups: [] },
];

/** Groups of a demo user by comune: Milano's operators also see the CAF reviews; Abbiategrasso has one group for every step (processes/A010/rei.params.json). */
function groupsFor(tenant: string, prefix: string, groups: string[]): string[] {
  if (tenant === 'A010' && prefix !== 'analista') return ['servizi-sociali'];
  if (tenant === 'F205' && prefix !== 'analista' && prefix !== 'assistente') return [...groups, 'caf-convenzionati'];
  return groups;
}

export async function isDatabaseEmpty(services: Services): Promise<boolean> {
  return (await services.orm.em.fork().count(Tenant, {})) === 0;
}

/** Usernames the demo creates (`<role>.<comune>`, the CAF and the metropolitan ones). */
export function demoUsernames(): string[] {
  return [...DEMO_TENANTS.flatMap((t) => ROLE_USERS.map((u) => `${u.prefix}.${t.code.toLowerCase()}`)), 'caf.f205', 'analista.metro', 'responsabile.metro'];
}

/** Demo users still active with the demo password (NODE_ENV=production refuses to start with any). */
export async function demoUsersWithDemoPassword(services: Pick<Services, 'orm'>): Promise<string[]> {
  const users = await services.orm.em.fork().find(User, { username: { $in: demoUsernames() } });
  const out: string[] = [];
  for (const u of users) {
    if ((u as { disabled?: boolean }).disabled === true) continue;
    if (await verifyPassword(DEMO_PASSWORD, u.passwordHash)) out.push(u.username);
  }
  return out;
}

export async function seedDemo(services: Services): Promise<{ users: string[] }> {
  const em = services.orm.em.fork();
  // Created before the weeks of cases the demo replays.
  const now = new Date(services.clock.now().getTime() - (SEED_WEEKS + 1) * 7 * 86_400_000);
  const hash = await hashPassword(DEMO_PASSWORD);
  const users: string[] = [];
  for (const t of DEMO_TENANTS) em.persist(Object.assign(new Tenant(), { ...t, createdAt: now }));
  await em.flush();
  em.persist(demoOffices(now));
  const addUser = (username: string, tenant: string | null, roles: Role[], groups: string[]) => {
    em.persist(Object.assign(new User(), { id: randomUUID(), username, passwordHash: hash, tenant, roles, groups, createdAt: now }));
    users.push(username);
  };
  for (const t of DEMO_TENANTS) for (const u of ROLE_USERS) addUser(`${u.prefix}.${t.code.toLowerCase()}`, t.code, u.roles, groupsFor(t.code, u.prefix, u.groups));
  // The partner CAF's account for the example worker (npm run caf-worker) and the CAF reviews.
  addUser('caf.f205', 'F205', ['operatore'], ['caf-convenzionati']);
  addUser('analista.metro', null, ['analista'], []);
  addUser('responsabile.metro', null, ['responsabile'], ['responsabili']);
  await em.flush();
  return { users };
}

/** A valid application (codici fiscali with their check character) of a family of three. */
export function application(protocollo: string, dataDomanda: string, [cognome, nome, coniuge]: [string, string, string], n: number, over: Record<string, unknown> = {}) {
  const year = 75 + (n % 15);
  const richiedente = codiceFiscale(cognome, nome, `${year}`, 'A', 10 + (n % 18), 'F205');
  const partner = codiceFiscale(cognome === 'Rossi' ? 'Verdi' : 'Rossi', coniuge, `${year + 2}`, 'C', 40 + 5 + (n % 20), 'F205');
  const figlio = codiceFiscale(cognome, 'Luca', '14', 'H', 3 + (n % 25), 'F205');
  return {
    protocollo,
    dataDomanda,
    richiedente: { codiceFiscale: richiedente, nome, cognome, dataNascita: `19${year}-01-${String(10 + (n % 18)).padStart(2, '0')}`, sesso: 'M' as const, cittadinanza: 'IT' as const, residenteInItaliaDal: `19${year}-01-${String(10 + (n % 18)).padStart(2, '0')}`, indirizzo: `Via Demo ${n + 1}` },
    nucleo: [
      { codiceFiscale: partner, nome: coniuge, cognome: cognome === 'Rossi' ? 'Verdi' : 'Rossi', dataNascita: `19${year + 2}-03-${String(5 + (n % 20)).padStart(2, '0')}`, relazione: 'coniuge' as const, disoccupato: true },
      { codiceFiscale: figlio, nome: 'Luca', cognome, dataNascita: `2014-06-${String(3 + (n % 25)).padStart(2, '0')}`, relazione: 'figlio' as const },
    ],
    isee: 3500,
    isre: 1800,
    dsuProtocollo: `INPS-ISEE-${dataDomanda.slice(0, 4)}-${String(n + 1).padStart(7, '0')}`,
    patrimonioImmobiliare: 0,
    patrimonioMobiliare: 2500,
    veicoliUltimi24Mesi: false,
    naspi: false,
    ...over,
  };
}

/** A codice fiscale for demo people (surname, name, year, month letter, day — +40 for women — and birthplace, then the check character of REI.md §9). */
function codiceFiscale(cognome: string, nome: string, yy: string, month: string, day: number, belfiore: string): string {
  const consonants = (s: string) => s.toUpperCase().replace(/[^A-Z]/g, '').replace(/[AEIOU]/g, '');
  const vowels = (s: string) => s.toUpperCase().replace(/[^AEIOU]/g, '');
  const part = (s: string, forName: boolean) => {
    const c = consonants(s);
    const letters = forName && c.length > 3 ? c[0]! + c[2]! + c[3]! : c + vowels(s) + 'XXX';
    return letters.slice(0, 3);
  };
  const first15 = part(cognome, false) + part(nome, true) + yy.padStart(2, '0').slice(-2) + month + String(day).padStart(2, '0') + belfiore;
  const odd = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23];
  let sum = 0;
  for (let i = 0; i < 15; i++) {
    const ch = first15[i]!;
    const v = ch >= '0' && ch <= '9' ? Number(ch) : ch.charCodeAt(0) - 65;
    sum += i % 2 === 0 ? odd[v]! : v;
  }
  return first15 + String.fromCharCode(65 + (sum % 26));
}
