/**
 * `npm run admin -- <command>`: administration from the command line, on the
 * database the server uses (DATABASE_URL, else the PGlite folder DATA_DIR —
 * stop the server first, PGlite allows one process at a time).
 *
 *   reset-password <user> [--stdin]   sets a new password and re-enables the user.
 *     The password is read from the first line of stdin with --stdin, else from
 *     NEW_PASSWORD, else generated and printed once.
 *   set-codice-fiscale <user> <codice fiscale | ->   the codice fiscale a SPID/CIE
 *     sign-in (OpenID Connect) finds the user by; `-` removes it.
 *   sla-rebuild   recomputes the pre-aggregated SLA figures from the task table
 *     (idempotent; writes to tasks wait while it runs).
 */
import { pathToFileURL } from 'node:url';
import { hashPassword } from '../auth/passwords.js';
import { loadConfig } from '../config.js';
import { openDatabase, type Orm } from '../db/orm.js';
import { User } from '../db/entities/index.js';
import { generatePassword, MIN_PASSWORD, userCodiceFiscale } from '../users/user.service.js';
import { DomainError } from '../shared/errors.js';
import { rebuildSla } from '../tasks/sla/sla-compactor.js';

export interface CliIo {
  env: Record<string, string | undefined>;
  readStdin(): Promise<string>;
  out(line: string): void;
  err(line: string): void;
}

const USAGE = [
  'Uso: npm run admin -- reset-password <utente> [--stdin]   (password da stdin con --stdin, da NEW_PASSWORD, altrimenti generata)',
  '     npm run admin -- set-codice-fiscale <utente> <codice fiscale | ->   (accesso con SPID/CIE; - lo toglie)',
  '     npm run admin -- sla-rebuild   (ricalcola i tempi SLA aggregati dalle attività)',
].join('\n');

/** Runs one command on an open database; returns the exit code. */
export async function runAdminCommand(orm: Orm, argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'set-codice-fiscale') return setCodiceFiscale(orm, rest, io);
  if (command === 'sla-rebuild') {
    const tasks = await rebuildSla(orm);
    io.out(`Tempi SLA ricalcolati da ${tasks} attività.`);
    return 0;
  }
  if (command !== 'reset-password') {
    io.err(command ? `Comando sconosciuto: ${command}` : 'Comando mancante');
    io.err(USAGE);
    return 2;
  }
  const username = rest.find((a) => !a.startsWith('--'));
  if (!username) {
    io.err(USAGE);
    return 2;
  }
  let chosen: string | null = null;
  if (rest.includes('--stdin')) chosen = (await io.readStdin()).split(/\r?\n/)[0] ?? '';
  else if (io.env.NEW_PASSWORD) chosen = io.env.NEW_PASSWORD;
  if (chosen !== null && chosen.length < MIN_PASSWORD) {
    io.err(`La password deve avere almeno ${MIN_PASSWORD} caratteri`);
    return 2;
  }
  const plain = chosen ?? generatePassword();
  const hash = await hashPassword(plain);
  const found = await orm.em.fork().transactional(async (em) => {
    const user = await em.findOne(User, { username });
    if (!user) return null;
    const wasActive = user.active;
    Object.assign(user, { passwordHash: hash, active: true });
    return { wasActive };
  });
  if (!found) {
    io.err(`Utente ${username} non trovato`);
    return 1;
  }
  io.out(`Password di ${username} reimpostata${found.wasActive ? '' : ' e utente riattivato'}.`);
  if (chosen === null) io.out(`Nuova password: ${plain}`);
  return 0;
}

async function setCodiceFiscale(orm: Orm, args: readonly string[], io: CliIo): Promise<number> {
  const [username, raw] = args;
  if (!username || !raw) {
    io.err(USAGE);
    return 2;
  }
  let codiceFiscale: string | null = null;
  try {
    codiceFiscale = raw === '-' ? null : userCodiceFiscale(raw);
  } catch (err) {
    io.err(err instanceof DomainError ? err.message : String(err));
    return 2;
  }
  const outcome = await orm.em.fork().transactional(async (em) => {
    const user = await em.findOne(User, { username });
    if (!user) return 'missing' as const;
    if (codiceFiscale && (await em.findOne(User, { codiceFiscale, id: { $ne: user.id } }))) return 'taken' as const;
    user.codiceFiscale = codiceFiscale;
    return 'done' as const;
  });
  if (outcome === 'missing') {
    io.err(`Utente ${username} non trovato`);
    return 1;
  }
  if (outcome === 'taken') {
    io.err('Il codice fiscale è già di un altro utente');
    return 1;
  }
  io.out(codiceFiscale ? `Codice fiscale di ${username} impostato: potrà accedere con SPID/CIE.` : `Codice fiscale di ${username} tolto: potrà accedere solo con la password.`);
  return 0;
}

async function readAll(stream: NodeJS.ReadStream): Promise<string> {
  let data = '';
  for await (const chunk of stream) data += String(chunk);
  return data;
}

async function main(): Promise<void> {
  const config = loadConfig();
  const orm = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  try {
    process.exitCode = await runAdminCommand(orm, process.argv.slice(2), {
      env: process.env,
      readStdin: () => readAll(process.stdin),
      out: (l) => console.log(l),
      err: (l) => console.error(l),
    });
  } finally {
    await orm.close(true);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
