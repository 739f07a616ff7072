/**
 * «Anagrafica» at /soggetti: search the comune's subject registry by codice
 * fiscale or by surname (and name) — a POST, so personal data never appears
 * in a URL — and a subject's page /soggetti/{id} (opaque id) with the latest
 * household and the cases over time, each linked to its case file. Another
 * comune's subject answers the 404 page, like GET /api/v1/subjects/{id}.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { tenantScope } from '../../auth/principal.js';
import { SubjectRepository } from '../../subjects/subject.repository.js';
import { benefitGranted } from '../../subjects/renewal.js';
import { isUuid } from '../../api/validation.js';
import { NotFoundError } from '../../shared/errors.js';
import { formatDate } from '../format.js';
import { CASE_ROLES, layoutFor, requirePageRole, requireUser } from '../shell.js';
import { requestOrigin } from '../../audit/audit.service.js';
import type { WebContext } from '../web-context.js';

const RELAZIONI: Record<string, string> = { richiedente: 'Richiedente', coniuge: 'Coniuge', figlio: 'Figlio/a', genitore: 'Genitore', altro: 'Altro', componente: 'Componente del nucleo' };
const STATI: Record<string, string> = { active: 'In corso', completed: 'Conclusa', cancelled: 'Annullata' };
const CITTADINANZE: Record<string, string> = { IT: 'Italiana', UE: 'Unione europea', extraUE: 'Extra UE' };
const MAX_RESULTS = 50;

export function subjectPages(router: Router, web: WebContext) {
  const { services, renderer } = web;

  router.get('/soggetti', async (ctx) => {
    await search(ctx, null);
  });

  router.post('/soggetti', async (ctx) => {
    const form = await web.formPost(ctx);
    await search(ctx, { cf: (form.codiceFiscale ?? '').trim().toUpperCase(), cognome: (form.cognome ?? '').trim(), nome: (form.nome ?? '').trim() });
  });

  router.get('/soggetti/:id', async (ctx) => {
    const s = await requireUser(services, ctx);
    requirePageRole(s.principal, CASE_ROLES);
    const repo = new SubjectRepository(services.orm.em.fork());
    const subject = isUuid(ctx.params.id) ? await repo.find(tenantScope(s.principal), ctx.params.id) : null;
    if (!subject) throw new NotFoundError('Soggetto', ctx.params.id, 'SUBJECT_NOT_FOUND');
    const [household, cases] = await Promise.all([repo.latestHousehold(subject), repo.cases(subject)]);
    await services.audit.record(s.principal, requestOrigin(ctx, 'web'), [{ tenant: subject.tenant, objectType: 'subject', objectId: subject.id, subjectId: subject.id, detail: 'page' }]);
    const title = `${subject.cognome} ${subject.nome}`;
    const layout = await layoutFor(services, ctx, s, { title, breadcrumbs: [{ href: '/soggetti', label: 'Anagrafica' }, { label: title }] });
    ctx.type = 'html';
    ctx.body = renderer.render('soggetto', layout, {
      subject: {
        nome: title,
        codiceFiscale: subject.codiceFiscale,
        nascita: formatDate(subject.dataNascita),
        sesso: subject.sesso === 'M' ? 'Maschile' : subject.sesso === 'F' ? 'Femminile' : '—',
        cittadinanza: subject.cittadinanza ? CITTADINANZE[subject.cittadinanza] ?? subject.cittadinanza : '—',
        residenza: subject.residenteInItaliaDal ? formatDate(subject.residenteInItaliaDal) : '—',
        permesso: subject.permessoLungoPeriodo === null ? null : subject.permessoLungoPeriodo ? 'Sì' : 'No',
      },
      household: household
        ? { since: formatDate(household.createdAt), members: household.members.map((m) => ({ id: m.subjectId, self: m.subjectId === subject.id, nome: `${m.cognome} ${m.nome}`, codiceFiscale: m.codiceFiscale, nascita: formatDate(m.dataNascita), relazione: RELAZIONI[m.relazione] ?? m.relazione })) }
        : null,
      cases: cases.reverse().map(({ link, instance }) => ({
        instanceId: link.instanceId,
        protocollo: link.protocollo,
        dataDomanda: formatDate(link.dataDomanda),
        ruolo: RELAZIONI[link.role] ?? link.role,
        stato: instance ? STATI[instance.status] ?? instance.status : '—',
        chiusa: instance?.endedAt ? formatDate(instance.endedAt) : null,
        durata: link.durataMesi ? `${link.durataMesi} mesi${link.rinnovo ? ' (rinnovo)' : ''}` : null,
        beneficio: instance ? (benefitGranted(instance.variables ?? {}) ? 'Sì' : 'No') : '—',
      })),
    });
  });

  async function search(ctx: Context, q: { cf: string; cognome: string; nome: string } | null) {
    const s = await requireUser(services, ctx);
    requirePageRole(s.principal, CASE_ROLES);
    const errors: Array<{ field: string; message: string }> = [];
    let results: Array<Record<string, unknown>> | null = null;
    let more = false;
    if (q) {
      if (!q.cf && !q.cognome) errors.push({ field: 'ricerca-codiceFiscale', message: 'Inserire il codice fiscale oppure il cognome.' });
      else if (q.cf && !/^[A-Z0-9]{11,16}$/.test(q.cf)) errors.push({ field: 'ricerca-codiceFiscale', message: 'Il codice fiscale ha 16 caratteri (o 11 cifre).' });
      if (!errors.length) {
        const repo = new SubjectRepository(services.orm.em.fork());
        const nome = q.nome.toLowerCase();
        const [items] = await repo.search(tenantScope(s.principal), { cf: q.cf || undefined, cognome: q.cf ? undefined : q.cognome, limit: nome ? 500 : MAX_RESULTS + 1, offset: 0 });
        const found = items.filter((i) => !nome || i.nome.toLowerCase().startsWith(nome));
        more = found.length > MAX_RESULTS;
        results = found.slice(0, MAX_RESULTS).map((i) => ({ id: i.id, nome: `${i.cognome} ${i.nome}`, codiceFiscale: i.codiceFiscale, nascita: formatDate(i.dataNascita) }));
      }
    }
    const layout = await layoutFor(services, ctx, s, { title: 'Anagrafica', breadcrumbs: [{ label: 'Anagrafica' }] });
    ctx.status = errors.length ? 422 : 200;
    ctx.type = 'html';
    ctx.body = renderer.render('soggetti', layout, { csrf: s.session.csrfToken, q: q ?? {}, errors, error: errors[0]?.message, results, searched: results !== null, more, max: MAX_RESULTS });
  }
}
