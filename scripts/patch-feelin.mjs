/**
 * A maintained patch on feelin (run by `npm install`, postinstall; idempotent):
 * FEEL arithmetic feelin 8.2.0 lacks, which the DMN specification defines
 * (issue 15, item 5). Each divergence with its DMN TCK tests:
 *   number × duration, duration × number, duration ÷ number
 *     (0100-arithmetic: multiply_lhs_number_by_rhs_dtDuration_*, multiply_lhs_ymDuration_by_rhs_number_*,
 *      multiply_lhs_dtDuration_by_rhs_number_*, multiply_lhs_number_by_rhs_ymDuration_*,
 *      divide_lhs_ymDuration_by_rhs_number_*, divide_lhs_dtDuration_by_rhs_number_*).
 * The file is replaced (written aside, then renamed), never edited in place:
 * node_modules may be hard-linked to other checkouts.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const MARK = '/* rei-patch: duration arithmetic */';
const require = createRequire(import.meta.url);
const file = path.join(path.dirname(require.resolve('feelin/package.json')), 'dist', 'index.js');
const source = fs.readFileSync(file, 'utf8');

const HELPER = `${MARK}
function reiScaleDuration(d, n) {
    if (!Number.isFinite(n)) return null;
    const sign = (x) => (x < 0 ? '-' : '');
    if (d.yearsMonths) {
        const months = Math.trunc((d.years * 12 + d.months) * n);
        const abs = Math.abs(months);
        return duration(\`\${sign(months)}P\${Math.floor(abs / 12)}Y\${abs % 12}M\`);
    }
    const total = (d.days * 86400 + d.hours * 3600 + d.minutes * 60 + d.seconds) * n;
    const abs = Math.abs(total);
    const days = Math.floor(abs / 86400);
    const hours = Math.floor((abs % 86400) / 3600);
    const minutes = Math.floor((abs % 3600) / 60);
    const seconds = Math.round((abs % 60) * 1000) / 1000;
    return duration(\`\${sign(total)}P\${days}DT\${hours}H\${minutes}M\${seconds}S\`);
}
`;
const MUL = "case '*': return nullable((a, b) => a * b, 'multiply', ['number']);";
const DIV = "case '/': return nullable((a, b) => !b ? null : a / b, 'divide', ['number']);";
const NEW_MUL = `case '*': return (a, b) => { const l = a(context), r = b(context); if (isDuration(l) && typeof r === 'number') return reiScaleDuration(l, r); if (isDuration(r) && typeof l === 'number') return reiScaleDuration(r, l); return nullable((x, y) => x * y, 'multiply', ['number'])(() => l, () => r); };`;
const NEW_DIV = `case '/': return (a, b) => { const l = a(context), r = b(context); if (isDuration(l) && typeof r === 'number') return r === 0 ? null : reiScaleDuration(l, 1 / r); return nullable((x, y) => !y ? null : x / y, 'divide', ['number'])(() => l, () => r); };`;

if (source.includes(MARK)) {
  console.log('feelin: patch già applicata');
} else if (!source.includes(MUL) || !source.includes(DIV) || !source.includes('function duration(opts) {')) {
  console.warn('feelin: versione diversa da quella attesa, patch non applicata (vedi scripts/patch-feelin.mjs)');
} else {
  const patched = source.replace('function duration(opts) {', `${HELPER}function duration(opts) {`).replace(MUL, NEW_MUL).replace(DIV, NEW_DIV);
  const tmp = `${file}.rei-${process.pid}`;
  fs.writeFileSync(tmp, patched);
  fs.renameSync(tmp, file);
  console.log('feelin: patch applicata (aritmetica delle durate)');
}
