/**
 * Test entry point (`npm test`): runs every uvu suite under test/ matching the
 * optional pattern argument, then closes the shared database and exits with
 * uvu's status (the ORM pool would otherwise keep the process alive).
 */
import { parse } from 'uvu/parse';
import { run } from 'uvu/run';
import { closeSharedOrm } from './helpers/harness.js';

const pattern = process.argv[2] ? new RegExp(process.argv[2]) : /\.test\.ts$/;
const ctx = await parse('test', pattern, { cwd: process.cwd() });
await run(ctx.suites, { bail: false });
await closeSharedOrm();
process.exit(process.exitCode ?? 0);
