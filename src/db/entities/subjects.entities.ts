/**
 * The subject registry (anagrafica soggetti) of a comune: persons by codice
 * fiscale, the households (nuclei) declared with each application, and the
 * link of a person to each REI case. Case status and end come from
 * process_instance.
 */
import { EntitySchema, Type } from '@mikro-orm/core';

export class Subject {
  id!: string;
  tenant!: string;
  codiceFiscale!: string;
  nome!: string;
  cognome!: string;
  /** ISO date YYYY-MM-DD. */
  dataNascita!: string;
  sesso: 'M' | 'F' | null = null;
  cittadinanza: 'IT' | 'UE' | 'extraUE' | null = null;
  permessoLungoPeriodo: boolean | null = null;
  residenteInItaliaDal: string | null = null;
  createdAt!: Date;
  updatedAt!: Date;
  version = 1;
}

/** A household as declared in one application. */
export class Household {
  id!: string;
  tenant!: string;
  createdAt!: Date;
}

export class HouseholdMember {
  householdId!: string;
  subjectId!: string;
  relazione!: 'richiedente' | 'coniuge' | 'figlio' | 'genitore' | 'altro';
}

/** A person's part in one case: the applicant or a household member. */
export class SubjectCase {
  id!: string;
  tenant!: string;
  subjectId!: string;
  instanceId!: string;
  householdId!: string;
  processKey!: string;
  protocollo!: string;
  dataDomanda!: string;
  role!: 'richiedente' | 'componente';
  durataMesi!: number;
  rinnovo!: boolean;
  createdAt!: Date;
}

const str = { type: 'string' } as const;
const strNull = { type: 'string', nullable: true } as const;
const ts = { type: 'Date', columnType: 'timestamptz' } as const;
/**
 * A calendar date (SQL `date`) kept as an ISO string `YYYY-MM-DD` in JS: read as
 * text, so no driver turns it into a time-zone dependent Date.
 */
export class IsoDayType extends Type<string | null, string | null> {
  override convertToJSValueSQL(key: string): string {
    return `${key}::text`;
  }
  override convertToJSValue(value: string | Date | null): string | null {
    return value instanceof Date ? value.toISOString().slice(0, 10) : value;
  }
  override getColumnType(): string {
    return 'date';
  }
  override compareAsType(): string {
    return 'string';
  }
}
const day = { type: IsoDayType } as const;

export const SubjectSchema = new EntitySchema<Subject>({
  class: Subject,
  tableName: 'subject',
  properties: {
    id: { type: 'uuid', primary: true },
    tenant: str,
    codiceFiscale: str,
    nome: str,
    cognome: str,
    dataNascita: day,
    sesso: strNull,
    cittadinanza: strNull,
    permessoLungoPeriodo: { type: 'boolean', nullable: true },
    residenteInItaliaDal: { ...day, nullable: true },
    createdAt: ts,
    updatedAt: ts,
    version: { type: 'integer', version: true },
  },
});

export const HouseholdSchema = new EntitySchema<Household>({
  class: Household,
  tableName: 'household',
  properties: { id: { type: 'uuid', primary: true }, tenant: str, createdAt: ts },
});

export const HouseholdMemberSchema = new EntitySchema<HouseholdMember>({
  class: HouseholdMember,
  tableName: 'household_member',
  properties: {
    householdId: { type: 'uuid', primary: true },
    subjectId: { type: 'uuid', primary: true },
    relazione: str,
  },
});

export const SubjectCaseSchema = new EntitySchema<SubjectCase>({
  class: SubjectCase,
  tableName: 'subject_case',
  properties: {
    id: { type: 'uuid', primary: true },
    tenant: str,
    subjectId: { type: 'uuid' },
    instanceId: { type: 'uuid' },
    householdId: { type: 'uuid' },
    processKey: str,
    protocollo: str,
    dataDomanda: day,
    role: str,
    durataMesi: { type: 'integer' },
    rinnovo: { type: 'boolean' },
    createdAt: ts,
  },
});

export const subjectEntities = [SubjectSchema, HouseholdSchema, HouseholdMemberSchema, SubjectCaseSchema];
