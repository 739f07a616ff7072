import { Migration } from '@mikro-orm/migrations';

/**
 * Indexes of the inbox's other sort orders (GET /tasks?sort=…&order=…), measured
 * at metropolitan volume (docs/benchmarks.md): due date descending, creation
 * descending, priority in both directions. Each is the order by clause of
 * InboxService.list (primary key, then created_at asc, id asc) over the open
 * tasks of a comune, so the first page is the first rows of one index scan;
 * without them the plan was a parallel seq scan of the task table and a top-N
 * sort (about a second for Milano's 330,000 open tasks). The ascending due
 * and creation orders already have task_open_due_page and task_open_created_page.
 * Filters: a step (elementId) — the page and its exact count both from
 * task_open_element (the count was an index-only scan of task_sla_window
 * filtering a comune's every task, 1.5 s); closed tasks by creation
 * (status=completed, the default sort) from task_status_created_page (was a
 * bitmap heap scan of the comune's closed tasks and a sort, 2 s). The exact
 * counts of the other filters (processKey, candidateGroup, mine, assignee) are
 * index-only scans of task_open_counts, which now also carries the process
 * key and the step (processKey counted by a scan of task_sla_window, every
 * task of the comune, was 0.5 s). A case's tasks by business key
 * (businessKey filter) from task_business_key (was a scan, 1.7 s).
 */
export class Migration20261203060000_metro_data_inbox extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create index if not exists task_open_due_desc_page on task (tenant, due_at desc nulls last, created_at, id) where status = 'open';
create index if not exists task_open_created_desc_page on task (tenant, created_at desc nulls last, id) where status = 'open';
create index if not exists task_open_priority_desc_page on task (tenant, priority desc nulls last, created_at, id) where status = 'open';
create index if not exists task_open_priority_page on task (tenant, priority, created_at, id) where status = 'open';
create index if not exists task_open_element on task (tenant, element_id, created_at, id) where status = 'open';
create index if not exists task_status_created_page on task (tenant, status, created_at, id);
create index if not exists task_business_key on task (tenant, business_key);
drop index if exists task_open_counts;
create index task_open_counts on task (tenant) include (assignee, candidate_groups, candidate_users, definition_key, element_id) where status = 'open';
`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists task_open_due_desc_page, task_open_created_desc_page, task_open_priority_desc_page, task_open_priority_page, task_open_element, task_status_created_page, task_business_key, task_open_counts;
create index task_open_counts on task (tenant) include (assignee, candidate_groups, candidate_users) where status = 'open';`);
  }
}
