/**
 * Demo data for a fresh database: three comuni of the Città Metropolitana di
 * Milano, a user of each role in each, metropolitan users, and a handful of
 * REI cases in different phases so every inbox has work in it.
 */
import { randomUUID } from 'node:crypto';
import { hashPassword } from '../auth/passwords.js';
import { Tenant, User } from '../db/entities/index.js';
import type { Services } from '../api/context.js';
import type { Role } from '../auth/principal.js';

export const DEMO_PASSWORD = 'demo1234';
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

export async function isDatabaseEmpty(services: Services): Promise<boolean> {
  return (await services.orm.em.fork().count(Tenant, {})) === 0;
}

export async function seedDemo(services: Services): Promise<{ users: string[] }> {
  const em = services.orm.em.fork();
  const now = services.clock.now();
  const hash = await hashPassword(DEMO_PASSWORD);
  const users: string[] = [];
  for (const t of DEMO_TENANTS) em.persist(Object.assign(new Tenant(), { ...t, createdAt: now }));
  await em.flush();
  const addUser = (username: string, tenant: string | null, roles: Role[], groups: string[]) => {
    em.persist(Object.assign(new User(), { id: randomUUID(), username, passwordHash: hash, tenant, roles, groups, createdAt: now }));
    users.push(username);
  };
  for (const t of DEMO_TENANTS) for (const u of ROLE_USERS) addUser(`${u.prefix}.${t.code.toLowerCase()}`, t.code, u.roles, u.groups);
  addUser('analista.metro', null, ['analista'], []);
  addUser('responsabile.metro', null, ['responsabile'], ['responsabili']);
  await em.flush();
  return { users };
}

/** A few cases per comune at different steps (skipped when the REI model is not deployed). */
export async function seedDemoCases(services: Services): Promise<number> {
  let count = 0;
  const actor = { username: 'demo-seed' };
  for (const [i, t] of DEMO_TENANTS.entries()) {
    const cases = [
      { isee: 3200, step: 'istruttoria' },
      { isee: 4100, step: 'istruttoria' },
      { isee: 5800, step: 'inps' },
      { isee: 2500, step: 'analisi' },
      { isee: 7200, step: 'rigetto' },
    ];
    for (const [j, c] of cases.entries()) {
      const businessKey = `REI-${t.code}-2026-${String(i * 10 + j + 1).padStart(5, '0')}`;
      const started = await services.store.transaction((tx) =>
        services.processes.start(tx, { key: 'rei', tenant: t.code, businessKey, variables: { isee: c.isee, richiedente: `Richiedente demo ${j + 1}`, codiceFiscale: 'RSSMRA80A01F205X' } }, actor),
      ).catch(() => null);
      if (!started) return count;
      count++;
      if (c.step === 'inps' || c.step === 'analisi') {
        await services.store.transaction(async (tx) => {
          const work = await tx.openWork(started.id);
          const task = work.tasks.find((w) => w.elementId === 'istruttoria');
          if (task) await services.processes.completeTask(tx, task, { esitoIstruttoria: 'ammissibile' }, actor);
        });
      }
      if (c.step === 'analisi') {
        await services.store.transaction(async (tx) => {
          const work = await tx.openWork(started.id);
          const ext = work.externalTasks[0];
          if (ext) await services.processes.completeExternalTask(tx, ext, { protocolloInps: `INPS-${businessKey}` }, actor);
        });
        await services.store.transaction((tx) => services.processes.deliverMessage(tx, { name: 'esitoInps', scope: t.code, businessKey, variables: { esitoInps: 'positivo' } }, actor));
      }
    }
  }
  return count;
}
