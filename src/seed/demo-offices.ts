/**
 * Office profiles of the demo comuni (letterhead, address, contacts, signer,
 * responsabile del procedimento), so the demo's letters are complete. People,
 * phone numbers and mail addresses are invented (example.it domains).
 */
import { TenantOffice } from '../db/entities/index.js';
import type { OfficeProfile } from '../documents/office.js';

const DEMO_OFFICES: Record<string, OfficeProfile> = {
  F205: {
    ente: 'Comune di Milano',
    servizio: 'Politiche Sociali – Area Inclusione – Reddito di Inclusione (REI)',
    indirizzo: 'Largo Treves 1',
    cap: '20121',
    citta: 'Milano',
    provincia: 'MI',
    telefono: '02 0000 1001',
    email: 'rei@comune-milano.example.it',
    pec: 'inclusione@pec.comune-milano.example.it',
    orari: 'lunedì–venerdì 9:00–12:30',
    firmatario: { nome: 'Dott.ssa Carla Fumagalli', qualifica: 'La Responsabile del Servizio Inclusione' },
    responsabileProcedimento: { nome: 'Dott. Paolo Brambilla', telefono: '02 0000 1002', email: 'paolo.brambilla@comune-milano.example.it' },
  },
  I690: {
    ente: 'Comune di Sesto San Giovanni',
    servizio: 'Settore Servizi Sociali – Ufficio Inclusione',
    indirizzo: 'Piazza della Resistenza 20',
    cap: '20099',
    citta: 'Sesto San Giovanni',
    provincia: 'MI',
    telefono: '02 0000 2001',
    email: 'servizisociali@comune-sesto.example.it',
    pec: 'protocollo@pec.comune-sesto.example.it',
    orari: 'lunedì, mercoledì e venerdì 9:00–12:00',
    firmatario: { nome: 'Dott. Marco Villa', qualifica: 'Il Dirigente del Settore Servizi Sociali' },
    responsabileProcedimento: { nome: 'Dott.ssa Elena Ferrari', telefono: '02 0000 2002', email: 'elena.ferrari@comune-sesto.example.it' },
  },
  A010: {
    ente: 'Comune di Abbiategrasso',
    servizio: 'Servizi Sociali',
    indirizzo: 'Piazza Marconi 1',
    cap: '20081',
    citta: 'Abbiategrasso',
    provincia: 'MI',
    telefono: '02 0000 3001',
    email: 'servizisociali@comune-abbiategrasso.example.it',
    firmatario: { nome: 'Dott.ssa Silvia Colombo', qualifica: 'La Responsabile dei Servizi Sociali' },
    responsabileProcedimento: { nome: 'Dott.ssa Silvia Colombo', telefono: '02 0000 3001' },
  },
};

export function demoOffices(now: Date): TenantOffice[] {
  return Object.entries(DEMO_OFFICES).map(([tenant, profile]) => Object.assign(new TenantOffice(), { tenant, profile: profile as unknown as Record<string, unknown>, updatedAt: now, updatedBy: null }));
}
