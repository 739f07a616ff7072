/**
 * A comune's office profile — what its letters need to be lawful and
 * complete: letterhead (ente, service, logo), full address with CAP and
 * city, contacts, the officer whose name goes under the D.Lgs. 39/1993
 * formula, and the responsabile del procedimento (L. 241/1990, art. 8).
 * Read and replaced by admin and the comune's responsabile; a comune without
 * a profile gets one built from its name (letters then say what is missing).
 */
import { z } from 'zod';
import type { EntityManager } from '@mikro-orm/core';
import { TenantOffice } from '../db/entities/index.js';

const MAX_LOGO_BYTES = 200 * 1024;
const LOGO = /^data:image\/(png|jpeg);base64,[A-Za-z0-9+/]+={0,2}$/;

const text = (max: number) => z.string().trim().min(1, 'obbligatorio').max(max, `al massimo ${max} caratteri`);
const optionalText = (max: number) => z.string().trim().max(max, `al massimo ${max} caratteri`).optional();

export const officeProfileSchema = z
  .object({
    ente: text(120),
    servizio: text(200),
    indirizzo: text(200),
    cap: z.string().regex(/^\d{5}$/, 'CAP di 5 cifre (es. 20121)'),
    citta: text(100),
    provincia: z.string().regex(/^[A-Z]{2}$/, 'sigla di 2 lettere maiuscole (es. MI)'),
    telefono: optionalText(40),
    email: z.string().trim().email('indirizzo email non valido').max(200).optional(),
    pec: z.string().trim().email('indirizzo PEC non valido').max(200).optional(),
    orari: optionalText(200),
    logo: z
      .string()
      .regex(LOGO, 'logo come data URL PNG o JPEG in base64 (data:image/png;base64,…)')
      .refine((v) => Buffer.byteLength(v.slice(v.indexOf(',') + 1), 'base64') <= MAX_LOGO_BYTES, `logo al massimo ${MAX_LOGO_BYTES / 1024} KB`)
      .optional(),
    firmatario: z.object({ nome: text(120), qualifica: text(120) }).strict(),
    responsabileProcedimento: z.object({ nome: text(120), telefono: optionalText(40), email: z.string().trim().email('indirizzo email non valido').max(200).optional() }).strict(),
  })
  .strict();

export type OfficeProfile = z.infer<typeof officeProfileSchema>;

/** What templates receive as `ufficio`. */
export interface OfficeView {
  configurato: boolean;
  ente: string;
  servizio: string;
  logo: string;
  indirizzo: string;
  /** "Milano" (the place in the date line). */
  citta: string;
  /** "20121 Milano (MI)". */
  localita: string;
  /** "Largo Treves 1 – 20121 Milano (MI)". */
  indirizzoCompleto: string;
  /** "Tel. 02 0202 · Email … · PEC …". */
  recapiti: string;
  orari: string;
  firmatario: { nome: string; qualifica: string };
  responsabileProcedimento: { nome: string; recapiti: string };
}

export interface OfficeRecord {
  tenant: string;
  configured: boolean;
  profile: OfficeProfile | null;
  updatedAt: Date | null;
  updatedBy: string | null;
}

export async function loadOffice(em: EntityManager, tenant: string): Promise<OfficeRecord> {
  const row = await em.findOne(TenantOffice, { tenant });
  if (!row) return { tenant, configured: false, profile: null, updatedAt: null, updatedBy: null };
  const parsed = officeProfileSchema.safeParse(row.profile);
  return { tenant, configured: parsed.success, profile: parsed.success ? parsed.data : null, updatedAt: row.updatedAt, updatedBy: row.updatedBy };
}

export async function saveOffice(em: EntityManager, tenant: string, profile: OfficeProfile, by: { username: string; now: Date }): Promise<OfficeRecord> {
  const row = (await em.findOne(TenantOffice, { tenant })) ?? em.create(TenantOffice, { tenant, profile: {}, updatedAt: by.now, updatedBy: null });
  row.profile = profile as unknown as Record<string, unknown>;
  row.updatedAt = by.now;
  row.updatedBy = by.username;
  await em.flush();
  return { tenant, configured: true, profile, updatedAt: row.updatedAt, updatedBy: row.updatedBy };
}

/** The office as letters show it; without a profile, the comune's name and empty fields. */
export function officeView(comune: { nome: string }, profile: OfficeProfile | null): OfficeView {
  if (!profile) {
    return {
      configurato: false,
      ente: comune.nome,
      servizio: 'Servizi Sociali – Reddito di Inclusione (REI)',
      logo: '',
      indirizzo: '',
      citta: '',
      localita: '',
      indirizzoCompleto: '',
      recapiti: '',
      orari: '',
      firmatario: { nome: '', qualifica: 'Il/La Responsabile del Servizio' },
      responsabileProcedimento: { nome: '', recapiti: '' },
    };
  }
  const localita = `${profile.cap} ${profile.citta} (${profile.provincia})`;
  const recapiti = [profile.telefono && `Tel. ${profile.telefono}`, profile.email && `Email ${profile.email}`, profile.pec && `PEC ${profile.pec}`].filter(Boolean).join(' · ');
  const rp = profile.responsabileProcedimento;
  return {
    configurato: true,
    ente: profile.ente,
    servizio: profile.servizio,
    logo: profile.logo ?? '',
    indirizzo: profile.indirizzo,
    citta: profile.citta,
    localita,
    indirizzoCompleto: `${profile.indirizzo} – ${localita}`,
    recapiti,
    orari: profile.orari ?? '',
    firmatario: profile.firmatario,
    responsabileProcedimento: { nome: rp.nome, recapiti: [rp.telefono && `tel. ${rp.telefono}`, rp.email].filter(Boolean).join(', ') },
  };
}
