/**
 * The subject registry in domain terms, on an EntityManager (the caller's
 * transaction for writes): persons by codice fiscale, households, each
 * person's cases with the status and end of their process instance.
 * Every query is filtered by comune.
 */
import { randomUUID } from 'node:crypto';
import { LockMode, type EntityManager } from '@mikro-orm/core';
import { ProcessInstance } from '../db/entities/index.js';
import { Household, HouseholdMember, Subject, SubjectCase } from '../db/entities/subjects.entities.js';
import type { EarlierCase } from './renewal.js';
import { tenantFilter } from '../shared/tenancy.js';

/** Personal data written on a subject; fields left undefined keep their stored value. */
export interface PersonData {
  codiceFiscale: string;
  nome: string;
  cognome: string;
  dataNascita: string;
  sesso?: 'M' | 'F' | null;
  cittadinanza?: 'IT' | 'UE' | 'extraUE';
  permessoLungoPeriodo?: boolean | null;
  residenteInItaliaDal?: string;
}

export class SubjectRepository {
  constructor(private readonly em: EntityManager) {}

  /** The comune's subjects with these codici fiscali, row-locked until commit (concurrent applications for them wait). */
  async lockByCodiceFiscale(tenant: string, cfs: string[]): Promise<Map<string, Subject>> {
    const rows = await this.em.find(Subject, { tenant, codiceFiscale: { $in: cfs } }, { lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { codiceFiscale: 'asc' } });
    return new Map(rows.map((s) => [s.codiceFiscale, s]));
  }

  /** Creates the person or updates its personal data with what was declared now. */
  upsert(tenant: string, existing: Subject | undefined, data: PersonData, now: Date): Subject {
    const defined = Object.fromEntries(Object.entries(data).filter(([, v]) => v !== undefined));
    if (existing) {
      Object.assign(existing, defined, { updatedAt: now });
      return existing;
    }
    const subject = Object.assign(new Subject(), { id: randomUUID(), tenant, createdAt: now, updatedAt: now }, defined);
    this.em.persist(subject);
    return subject;
  }

  createHousehold(tenant: string, members: Array<{ subjectId: string; relazione: HouseholdMember['relazione'] }>, now: Date): Household {
    const household = Object.assign(new Household(), { id: randomUUID(), tenant, createdAt: now });
    this.em.persist(household);
    for (const m of members) this.em.persist(Object.assign(new HouseholdMember(), { householdId: household.id, ...m }));
    return household;
  }

  addCase(rec: Omit<SubjectCase, 'id'>): SubjectCase {
    const row = Object.assign(new SubjectCase(), { id: randomUUID(), ...rec });
    this.em.persist(row);
    return row;
  }

  /** Whether the comune already has a case of this process with this protocollo (as business key or in the registry). */
  async protocolloTaken(tenant: string, processKey: string, protocollo: string): Promise<boolean> {
    const inRegistry = await this.em.count(SubjectCase, { tenant, processKey, protocollo, role: 'richiedente' });
    if (inRegistry) return true;
    return (await this.em.count(ProcessInstance, { tenant, definitionKey: processKey, businessKey: protocollo })) > 0;
  }

  /** The cases of a process key in which these subjects took part, with their instance's status, end and variables. */
  async earlierCases(tenant: string, processKey: string, subjectIds: string[]): Promise<EarlierCase[]> {
    if (!subjectIds.length) return [];
    const links = await this.em.find(SubjectCase, { tenant, processKey, subjectId: { $in: subjectIds } });
    if (!links.length) return [];
    const instances = await this.em.find(ProcessInstance, { tenant, id: { $in: [...new Set(links.map((l) => l.instanceId))] } }, { fields: ['id', 'status', 'endedAt', 'variables'] });
    const byId = new Map(instances.map((i) => [i.id, i]));
    return links.flatMap((l) => {
      const i = byId.get(l.instanceId);
      return i ? [{ subjectId: l.subjectId, instanceId: i.id, protocollo: l.protocollo, status: i.status, endedAt: i.endedAt, variables: i.variables ?? {} }] : [];
    });
  }

  async search(scope: string | null, q: { cf?: string; cognome?: string; limit: number; offset: number }) {
    const where: Record<string, unknown> = {};
    if (scope) where.tenant = scope;
    if (q.cf) where.codiceFiscale = q.cf;
    if (q.cognome) where.cognome = { $ilike: `${q.cognome.replace(/[\\%_]/g, (c) => `\\${c}`)}%` };
    return this.em.findAndCount(Subject, where, { orderBy: [{ cognome: 'asc' }, { nome: 'asc' }, { id: 'asc' }], limit: q.limit, offset: q.offset });
  }

  async find(scope: string | null, id: string): Promise<Subject | null> {
    return this.em.findOne(Subject, { id, ...tenantFilter(scope) });
  }

  /** The person's most recent household with its members, or null. */
  async latestHousehold(subject: Subject) {
    const links = await this.em.find(HouseholdMember, { subjectId: subject.id });
    if (!links.length) return null;
    const [household] = await this.em.find(Household, { tenant: subject.tenant, id: { $in: links.map((l) => l.householdId) } }, { orderBy: { createdAt: 'desc' }, limit: 1 });
    if (!household) return null;
    const members = await this.em.find(HouseholdMember, { householdId: household.id });
    const people = await this.em.find(Subject, { tenant: subject.tenant, id: { $in: members.map((m) => m.subjectId) } });
    const byId = new Map(people.map((p) => [p.id, p]));
    return {
      id: household.id,
      createdAt: household.createdAt,
      members: members
        .map((m) => ({ m, p: byId.get(m.subjectId) }))
        .filter((x): x is { m: HouseholdMember; p: Subject } => !!x.p)
        .sort((a, b) => (a.m.relazione === 'richiedente' ? -1 : b.m.relazione === 'richiedente' ? 1 : a.p.dataNascita.localeCompare(b.p.dataNascita)))
        .map(({ m, p }) => ({ subjectId: p.id, codiceFiscale: p.codiceFiscale, nome: p.nome, cognome: p.cognome, dataNascita: p.dataNascita, relazione: m.relazione })),
    };
  }

  /** The person's cases over time (oldest first) with their instance's status and dates. */
  async cases(subject: Subject) {
    const links = await this.em.find(SubjectCase, { tenant: subject.tenant, subjectId: subject.id }, { orderBy: [{ dataDomanda: 'asc' }, { createdAt: 'asc' }] });
    if (!links.length) return [];
    const instances = await this.em.find(ProcessInstance, { tenant: subject.tenant, id: { $in: links.map((l) => l.instanceId) } }, { fields: ['id', 'status', 'startedAt', 'endedAt', 'variables'] });
    const byId = new Map(instances.map((i) => [i.id, i]));
    return links.map((l) => ({ link: l, instance: byId.get(l.instanceId) ?? null }));
  }
}
