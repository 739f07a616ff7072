/**
 * Test entry point (`npm test`): runs every uvu suite under test/ matching the
 * optional pattern argument, then closes the shared database and exits.
 * uvu 0.5 reports a suite whose `before` hook throws as "(0 / N)" without
 * failing, so the totals are checked here: any test not passed or skipped fails the run.
 */
import { parse } from 'uvu/parse';
import { run } from 'uvu/run';
import { closeSharedOrm } from './helpers/harness.js';

const pattern = process.argv[2] ? new RegExp(process.argv[2]) : /\.test\.ts$/;
const ctx = await parse('test', pattern, { cwd: process.cwd() });

let printed = '';
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
  printed += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
  if (printed.length > 100_000) printed = printed.slice(-10_000);
  return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
}) as typeof process.stdout.write;

await run(ctx.suites, { bail: false });
process.stdout.write = write;

const count = (label: string) => Number(new RegExp(`${label}:\\s+(\\d+)`).exec(printed.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), ''))?.[1] ?? NaN);
const [total, passed, skipped] = [count('Total'), count('Passed'), count('Skipped')];
if (!Number.isNaN(total) && passed + skipped !== total) {
  console.error(`\n${total - passed - skipped} test(s) did not run or failed (a before/after hook may have thrown)`);
  process.exitCode = 1;
}
if (total === 0) {
  console.error('No test ran');
  process.exitCode = 1;
}
await closeSharedOrm();
process.exit(process.exitCode ?? 0);
