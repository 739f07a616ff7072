/**
 * "Cruscotto domande REI": counts over the cases of a process (SQL, grouped in
 * the database): per month of the application, by status, outcome
 * (esitoFinale) and current step; rejections by reason (motiviRigetto);
 * benefits granted and their monthly amounts; benefits ending in a month.
 * Counts and sums only: no names or codici fiscali (the metropolitan view
 * shows exactly these figures per comune).
 */
import type { EntityManager } from '@mikro-orm/core';

export interface ApplicationsQuery {
  /** null = every comune; the figures are then split per comune. */
  tenant: string | null;
  processKey: string;
  from: Date;
  to: Date;
  /** First and last ISO day of the month whose ending benefits are counted. */
  monthStart: string;
  monthEnd: string;
}

export interface ApplicationsFigures {
  /** Per month (`YYYY-MM`, Europe/Rome), status, outcome and active elements of the case. */
  byMonth: Array<{ month: string; tenant: string; status: string; outcome: string | null; definitionId: string; activeElements: string[]; count: number }>;
  rejections: Array<{ tenant: string; origin: string | null; reason: string; count: number }>;
  benefits: Array<{ tenant: string; granted: number; monthlyTotal: number; yearlyTotal: number }>;
  ending: Array<{ tenant: string; count: number }>;
}

export async function applicationsFigures(em: EntityManager, q: ApplicationsQuery): Promise<ApplicationsFigures> {
  const conn = em.getConnection();
  const where = ['definition_key = ?', 'started_at >= ?', 'started_at < ?'];
  const params: unknown[] = [q.processKey, q.from, q.to];
  if (q.tenant) {
    where.push('tenant = ?');
    params.push(q.tenant);
  }
  const w = where.join(' and ');
  const [byMonth, rejections, benefits, ending] = await Promise.all([
    conn.execute(
      `select to_char(started_at at time zone 'Europe/Rome', 'YYYY-MM') as month, tenant, status, variables->>'esitoFinale' as outcome,
              definition_id as "definitionId", active_elements as "activeElements", count(*)::int as count
         from process_instance where ${w} group by 1, 2, 3, 4, 5, 6 order by 1, 2`,
      params,
    ) as Promise<ApplicationsFigures['byMonth']>,
    conn.execute(
      `select tenant, variables->>'origineRigetto' as origin, r as reason, count(*)::int as count
         from process_instance, jsonb_array_elements_text(case when jsonb_typeof(variables->'motiviRigetto') = 'array' then variables->'motiviRigetto' else '[]'::jsonb end) r
        where ${w} group by 1, 2, 3 order by 4 desc, 3`,
      params,
    ) as Promise<ApplicationsFigures['rejections']>,
    conn.execute(
      `select tenant, count(*)::int as granted,
              coalesce(sum(case when jsonb_typeof(variables->'importoMensile') = 'number' then (variables->>'importoMensile')::numeric end), 0)::float8 as "monthlyTotal",
              coalesce(sum(case when jsonb_typeof(variables->'importoAnnuo') = 'number' then (variables->>'importoAnnuo')::numeric end), 0)::float8 as "yearlyTotal"
         from process_instance where ${w} and variables->>'beneficioErogato' = 'true' group by 1 order by 1`,
      params,
    ) as Promise<ApplicationsFigures['benefits']>,
    conn.execute(
      `select tenant, count(*)::int as count from process_instance
        where definition_key = ? and status = 'active' ${q.tenant ? 'and tenant = ?' : ''}
          and jsonb_typeof(variables->'dataFineBeneficio') = 'string' and variables->>'dataFineBeneficio' between ? and ?
        group by 1 order by 1`,
      [q.processKey, ...(q.tenant ? [q.tenant] : []), q.monthStart, q.monthEnd],
    ) as Promise<ApplicationsFigures['ending']>,
  ]);
  return { byMonth, rejections, benefits, ending };
}

/** The cases of a comune whose benefit ends between two ISO days (protocollo and end date only). */
export async function endingCases(em: EntityManager, q: { tenant: string; processKey: string; monthStart: string; monthEnd: string }) {
  return (await em.getConnection().execute(
    `select id as "instanceId", business_key as "businessKey", variables->>'dataFineBeneficio' as "endDay" from process_instance
      where tenant = ? and definition_key = ? and status = 'active'
        and jsonb_typeof(variables->'dataFineBeneficio') = 'string' and variables->>'dataFineBeneficio' between ? and ?
      order by 3, 2 limit 500`,
    [q.tenant, q.processKey, q.monthStart, q.monthEnd],
  )) as Array<{ instanceId: string; businessKey: string | null; endDay: string }>;
}
