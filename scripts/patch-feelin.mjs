/**
 * A maintained patch on feelin 8.2.0 (run by `npm install`, postinstall;
 * idempotent): FEEL semantics where feelin diverges from the DMN
 * specification (issue 15, item 5). The README lists each divergence with
 * its DMN TCK tests ("FEEL divergences of feelin 8.2.0 fixed by a patch").
 *
 * Each patch is a set of textual edits on dist/index.js, applied only when
 * its mark is absent and every anchor is found (else it is skipped with a
 * warning: another feelin version needs the patch reviewed). Most edits
 * rename a feelin function (`function x(` → `function feelinX(`) and add a
 * wrapper `x` that handles the divergent cases and delegates the rest, so the
 * patch stays small and readable. The file is replaced (written aside, then
 * renamed), never edited in place: node_modules may be hard-linked to other
 * checkouts.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const mark = (name) => `/* rei-patch: ${name} */`;

/** number × duration, duration × number, duration ÷ number (kept as first written: installed copies carry it). */
const DURATION_SCALING = {
  name: 'duration arithmetic',
  edits: [
    [
      'function duration(opts) {',
      `${mark('duration arithmetic')}
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
function duration(opts) {`,
    ],
    [
      "case '*': return nullable((a, b) => a * b, 'multiply', ['number']);",
      `case '*': return (a, b) => { const l = a(context), r = b(context); if (isDuration(l) && typeof r === 'number') return reiScaleDuration(l, r); if (isDuration(r) && typeof l === 'number') return reiScaleDuration(r, l); return nullable((x, y) => x * y, 'multiply', ['number'])(() => l, () => r); };`,
    ],
    [
      "case '/': return nullable((a, b) => !b ? null : a / b, 'divide', ['number']);",
      `case '/': return (a, b) => { const l = a(context), r = b(context); if (isDuration(l) && typeof r === 'number') return r === 0 ? null : reiScaleDuration(l, 1 / r); return nullable((x, y) => !y ? null : x / y, 'divide', ['number'])(() => l, () => r); };`,
    ],
  ],
};

/**
 * Dates and times: negative (BCE) and 5–6 digit years and `T24:00:00` in literals and
 * constructors; date ± days-and-time duration is a date; time ± years and
 * months duration, time − date (and back) are errors (null); subtracting a
 * zoned date and time from a local one (or the reverse) is an error, zoned
 * ones subtract as instants (a date is midnight UTC); duration ÷ duration.
 */
const TEMPORAL_ARITHMETIC = {
  name: 'temporal arithmetic',
  edits: [
    ['function subtractTemporals(a, b) {', 'function feelinSubtractTemporals(a, b) {'],
    ['function parseDateTime(str) {', 'function feelinParseDateTime(str) {'],
    [
      'function addDuration(temporal, dur, sign) {',
      `${mark('temporal arithmetic')}
function reiIso(iso) {
    return iso.replace(/^-0*(\\d{4,})/, '-$1').replace(/^\\+0*(\\d{5,})/, '$1');
}
function reiExtendedYear(str) {
    const m = /^(-?)(\\d{4,6})(-.*)$/.exec(str);
    // four digits are plain ISO; more digits never start with 0 (XML Schema)
    if (!m || (!m[1] && m[2].length === 4) || (m[2].length > 4 && m[2][0] === '0')) {
        return str;
    }
    return \`\${m[1] || '+'}\${m[2].padStart(6, '0')}\${m[3]}\`;
}
function reiTry(fn) {
    try {
        return fn();
    }
    catch (_a) {
        return null;
    }
}
function addDuration(temporal, dur, sign) {
    if (isTime(temporal) && dur.yearsMonths) {
        return null;
    }
    if (isDate(temporal) && hasTimeComponent(dur)) {
        const d = sign < 0 ? dur.value.negated() : dur.value;
        return reiTry(() => new FeelDate(temporal.value.toPlainDateTime().add(d).toPlainDate()));
    }
    return reiTry(() => feelinAddDuration(temporal, dur, sign));
}
function subtractTemporals(a, b) {
    if (isTime(a) !== isTime(b)) {
        return null;
    }
    if (isTime(a)) {
        return feelinSubtractTemporals(a, b);
    }
    const zoned = (x) => isDate(x) || x.zone !== null;
    if (zoned(a) !== zoned(b)) {
        return null;
    }
    if (!zoned(a)) {
        return feelinSubtractTemporals(a, b);
    }
    return new FeelDuration(Temporal.Duration.from({ milliseconds: toComparable(a) - toComparable(b) }), false);
}
function reiDurationRatio(a, b) {
    if (a.yearsMonths !== b.yearsMonths) {
        return null;
    }
    const unit = a.yearsMonths ? 'month' : 'second';
    const total = (d) => d.value.total({ unit, relativeTo: REFERENCE_DATE });
    const divisor = total(b);
    return divisor === 0 ? null : total(a) / divisor;
}
function parseDateTime(str) {
    const m = /^(.*T)24:00(?::00(?:\\.0+)?)?(.*)$/.exec(str);
    if (!m) {
        return feelinParseDateTime(str);
    }
    const midnight = feelinParseDateTime(\`\${m[1]}00:00:00\${m[2]}\`);
    return midnight && reiTry(() => new FeelDateTime(midnight.value.add({ days: 1 }), midnight.zone));
}
function feelinAddDuration(temporal, dur, sign) {`,
    ],
    ["    if (str.startsWith('-')) {\n        throw notImplemented('negative date');\n    }", '    str = reiExtendedYear(str);', 2],
    ['this.iso = this.value.toString()', 'this.iso = reiIso(this.value.toString())', 3],
    [
      "if (isDuration(l) && typeof r === 'number') return r === 0 ? null : reiScaleDuration(l, 1 / r);",
      "if (isDuration(l) && isDuration(r)) return reiDurationRatio(l, r); if (isDuration(l) && typeof r === 'number') return r === 0 ? null : reiScaleDuration(l, 1 / r);",
    ],
  ],
};

/** years and months duration(from, to): whole years and months between the dates, without the leftover days. */
const YEARS_AND_MONTHS = {
  name: 'years and months duration',
  edits: [
    [
      'function yearsAndMonthsDuration(from, to) {',
      `${mark('years and months duration')}
function yearsAndMonthsDuration(from, to) {
    const d = from.value.until(to.value, { largestUnit: 'year' });
    return new FeelDuration(Temporal.Duration.from({ years: d.years, months: d.months }), true);
}
function feelinYearsAndMonthsDuration(from, to) {`,
    ],
  ],
};

/** The interval functions feelin leaves unimplemented (DMN 1.5 table 78): overlaps before/after, finishes, finished by, during, starts, started by, coincides. */
const INTERVALS = {
  name: 'interval functions',
  edits: [
    [
      'function before(a, b) {',
      `${mark('interval functions')}
function reiInterval(name, a, b) {
    const R = (x) => x instanceof FeelRange;
    const eq = (x, y) => cmp(x, y) === 0;
    const lt = (x, y) => cmp(x, y) < 0;
    const gt = (x, y) => cmp(x, y) > 0;
    const si = (r) => r['start included'];
    const ei = (r) => r['end included'];
    const swapped = { 'overlaps after': 'overlaps before', 'finished by': 'finishes', 'started by': 'starts' };
    if (swapped[name]) {
        return reiInterval(swapped[name], b, a);
    }
    if (a === null || b === null) {
        return null;
    }
    switch (name) {
        case 'overlaps before':
            if (!R(a) || !R(b)) return null;
            return (lt(a.start, b.start) || (eq(a.start, b.start) && si(a) && !si(b)))
                && (gt(a.end, b.start) || (eq(a.end, b.start) && ei(a) && si(b)))
                && (lt(a.end, b.end) || (eq(a.end, b.end) && (!ei(a) || ei(b))));
        case 'finishes':
            if (!R(b)) return null;
            if (!R(a)) return ei(b) && eq(b.end, a);
            return ei(a) === ei(b) && eq(a.end, b.end) && (gt(a.start, b.start) || (eq(a.start, b.start) && (!si(a) || si(b))));
        case 'during':
            if (!R(b)) return null;
            if (!R(a)) return (lt(b.start, a) && gt(b.end, a)) || (eq(b.start, a) && si(b)) || (eq(b.end, a) && ei(b));
            return (lt(b.start, a.start) || (eq(b.start, a.start) && (si(b) || !si(a))))
                && (gt(b.end, a.end) || (eq(b.end, a.end) && (ei(b) || !ei(a))));
        case 'starts':
            if (!R(b)) return null;
            if (!R(a)) return eq(b.start, a) && si(b);
            return eq(a.start, b.start) && si(a) === si(b) && (gt(b.end, a.end) || (eq(b.end, a.end) && (!ei(a) || ei(b))));
        case 'coincides':
            if (R(a) !== R(b)) return null;
            if (!R(a)) return eq(a, b);
            return eq(a.start, b.start) && si(a) === si(b) && eq(a.end, b.end) && ei(a) === ei(b);
    }
    return null;
}
function before(a, b) {`,
    ],
    ["    'overlaps before': fn(function () {\n        throw notImplemented('overlaps before');\n    }, ['any?']),", "    'overlaps before': fn(function (r1, r2) {\n        return reiInterval('overlaps before', r1, r2);\n    }, ['any', 'any'], ['range1', 'range2']),"],
    ["    'overlaps after': fn(function () {\n        throw notImplemented('overlaps after');\n    }, ['any?']),", "    'overlaps after': fn(function (r1, r2) {\n        return reiInterval('overlaps after', r1, r2);\n    }, ['any', 'any'], ['range1', 'range2']),"],
    ["    'finishes': fn(function () {\n        throw notImplemented('finishes');\n    }, ['any?']),", "    'finishes': fn(function (p, r) {\n        return reiInterval('finishes', p, r);\n    }, ['any', 'any'], ['point', 'range']),"],
    ["    'finished by': fn(function () {\n        throw notImplemented('finished by');\n    }, ['any?']),", "    'finished by': fn(function (r, p) {\n        return reiInterval('finished by', r, p);\n    }, ['any', 'any'], ['range', 'point']),"],
    ["    'during': fn(function () {\n        throw notImplemented('during');\n    }, ['any?']),", "    'during': fn(function (p, r) {\n        return reiInterval('during', p, r);\n    }, ['any', 'any'], ['point', 'range']),"],
    ["    'starts': fn(function () {\n        throw notImplemented('starts');\n    }, ['any?']),", "    'starts': fn(function (p, r) {\n        return reiInterval('starts', p, r);\n    }, ['any', 'any'], ['point', 'range']),"],
    ["    'started by': fn(function () {\n        throw notImplemented('started by');\n    }, ['any?']),", "    'started by': fn(function (r, p) {\n        return reiInterval('started by', r, p);\n    }, ['any', 'any'], ['range', 'point']),"],
    ["    'coincides': fn(function () {\n        throw notImplemented('coincides');\n    }, ['any?']),", "    'coincides': fn(function (p1, p2) {\n        return reiInterval('coincides', p1, p2);\n    }, ['any', 'any'], ['point1', 'point2']),"],
  ],
};

/**
 * Built-ins and operators: rounding scales outside [−6111, 6176] are errors
 * and fractional scales truncate (`decimal(1/3, 2.5)` = 0.33); `list replace`
 * with negative or out-of-range positions and with a matcher that is not a
 * two-parameter boolean function; `x[true]` on a non-list is a list;
 * `is(@"P0Y", @"P0D")` is false (different duration types); a context entry
 * null is an instance of any type.
 */
const BUILTINS = {
  name: 'built-ins',
  edits: [
    ['function listReplace(list, matcher, newItem) {\n    if (isNumber', 'function feelinListReplace(list, matcher, newItem) {\n    if (isNumber'],
    [
      'function offsetted(func, n, scale) {',
      `${mark('built-ins')}
function offsetted(func, n, scale) {
    if (scale < -6111 || scale > 6176) {
        return null;
    }
    return feelinOffsetted(func, n, Math.trunc(scale));
}
function listReplace(list, matcher, newItem) {
    if (isNumber(matcher)) {
        const at = Math.trunc(matcher);
        const position = at < 0 ? list.length + at + 1 : at;
        if (position < 1 || position > list.length) {
            return null;
        }
        return [...list.slice(0, position - 1), newItem, ...list.slice(position)];
    }
    if (matcher.parameterNames && matcher.parameterNames.length !== 2) {
        return null;
    }
    const replaced = [];
    for (const item of list) {
        const hit = matcher.invoke([item, newItem]);
        if (hit !== null && typeof hit !== 'boolean') {
            return null;
        }
        replaced.push(hit === true ? newItem : item);
    }
    return replaced;
}
function feelinOffsetted(func, n, scale) {`,
    ],
    ['                    if (idx === true) {\n                        return target;', '                    if (idx === true) {\n                        return filterTarget;'],
    [
      "        return equals(value1, value2, true);\n    }, ['any?', 'any?'], ['value1', 'value2']),",
      "        if (isDuration(value1) && isDuration(value2) && value1.yearsMonths !== value2.yearsMonths) {\n            return false;\n        }\n        return equals(value1, value2, true);\n    }, ['any?', 'any?'], ['value1', 'value2']),",
    ],
    ['has$1(value, name) && matchesType(value[name], type, context)', 'has$1(value, name) && (value[name] === null || matchesType(value[name], type, context))'],
  ],
};

/**
 * Regular expressions (XML Schema flavour, as FEEL says): the `x` flag
 * (whitespace outside character classes is removed), `\p{IsBasicLatin}`,
 * character class subtraction `[A-Z-[OI]]`, and `\0` is an invalid pattern.
 */
const REGEX = {
  name: 'regex',
  edits: [
    ['function createRegexp(pattern, flags, defaultFlags = \'\') {', 'function feelinCreateRegexp(pattern, flags, defaultFlags = \'\') {'],
    [
      'function feelinCreateRegexp(pattern, flags, defaultFlags = \'\') {',
      `${mark('regex')}
function reiStripWhitespace(pattern) {
    let out = '';
    let inClass = 0;
    for (let i = 0; i < pattern.length; i++) {
        const c = pattern[i];
        if (c === '\\\\' && !/[\\t\\n\\r ]/.test(pattern[i + 1] ?? '')) {
            out += c + (pattern[i + 1] ?? '');
            i++;
            continue;
        }
        if (c === '[') inClass++;
        if (c === ']' && inClass > 0) inClass--;
        if (inClass === 0 && /[\\t\\n\\r ]/.test(c)) continue;
        out += c;
    }
    return out;
}
function createRegexp(pattern, flags, defaultFlags = '') {
    if (/(^|[^\\\\])(\\\\\\\\)*\\\\0/.test(pattern)) {
        return null;
    }
    let p = flags.includes('x') ? reiStripWhitespace(pattern) : pattern;
    p = p.replace(/\\\\([pP])\\{IsBasicLatin\\}/g, (_, k) => (k === 'p' ? '[\\\\u0000-\\\\u007F]' : '[^\\\\u0000-\\\\u007F]'));
    p = p.replace(/\\[((?:\\\\.|[^\\]\\\\[])+)-\\[((?:\\\\.|[^\\]\\\\])+)\\]\\]/g, '(?:(?![$2])[$1])');
    return feelinCreateRegexp(p, flags.replace(/x/g, ''), defaultFlags);
}
function feelinCreateRegexp(pattern, flags, defaultFlags = '') {`,
    ],
  ],
};

/**
 * Temporal literals and durations: `-00:00` is UTC (`Z`); an offset beyond
 * ±18:00, or an offset together with a zone id (`+02:00@Europe/Paris`), is
 * invalid; `PT0.S` is `PT0S`; years and months durations balance without a
 * calendar (`P999999999M`); unary minus negates a duration; `time(h, m, s)`
 * keeps the fraction of `s`.
 */
const TEMPORAL_LITERALS = {
  name: 'temporal literals',
  edits: [
    ['function splitZone(str) {', 'function feelinSplitZone(str) {'],
    ['function normalize(d) {', 'function feelinNormalize(d) {'],
    [
      'function feelinSplitZone(str) {',
      `${mark('temporal literals')}
function splitZone(str) {
    const split = feelinSplitZone(str);
    const invalid = { value: split.value, zone: 'Invalid/Zone' };
    if (split.zone === '-00:00') {
        return { value: split.value, zone: 'UTC' };
    }
    if (split.zone !== null && (Z_SUFFIX_PATTERN.test(split.value) || OFFSET_SUFFIX_PATTERN.test(split.value))) {
        return invalid;
    }
    const offset = split.zone !== null && split.zone !== 'UTC' ? fixedOffsetSeconds(split.zone) : null;
    return offset !== null && Math.abs(offset) > 18 * 3600 ? invalid : split;
}
function normalize(d) {
    const onlyYearsMonths = (d.years !== 0 || d.months !== 0) && !d.weeks && !d.days && !d.hours && !d.minutes && !d.seconds && !d.milliseconds && !d.microseconds && !d.nanoseconds;
    if (!onlyYearsMonths) {
        return feelinNormalize(d);
    }
    const months = d.years * 12 + d.months;
    const sign = months < 0 ? -1 : 1;
    return Temporal.Duration.from({ years: sign * Math.floor(Math.abs(months) / 12), months: sign * (Math.abs(months) % 12) });
}
function feelinSplitZone(str) {`,
    ],
    [
      "        const value = Temporal.PlainTime.from({ hour, minute, second }, { overflow: 'reject' });",
      "        const nanos = Math.round((second - Math.floor(second)) * 1e9);\n        const value = Temporal.PlainTime.from({ hour, minute, second: Math.floor(second), millisecond: Math.floor(nanos / 1e6), microsecond: Math.floor(nanos / 1e3) % 1000, nanosecond: nanos % 1000 }, { overflow: 'reject' });",
    ],
    ['    if (!DURATION_PATTERN.test(opts)) {', "    opts = opts.replace(/(\\d)\\.S$/, '$1S');\n    if (!DURATION_PATTERN.test(opts)) {"],
    [
      '                    return op(context)(() => 0, value);',
      '                    const v = value(context);\n                    const zero = isDuration(v) ? new FeelDuration(new Temporal.Duration(), v.yearsMonths) : 0;\n                    return op(context)(() => zero, () => v);',
    ],
  ],
};

/**
 * `for` over ranges: `a..b` iterates dates day by day in either direction; a
 * string range is not iterable (error); a descending `[b..a]` range literal is
 * not iterable (null).
 */
const RANGE_ITERATION = {
  name: 'range iteration',
  edits: [
    ['function rangeMap(range, fn) {', 'function feelinRangeMap(range, fn) {'],
    [
      'function feelinRangeMap(range, fn) {',
      `${mark('range iteration')}
function rangeMap(range, fn) {
    const { start, end, valueType } = range;
    if (valueType === 'string') {
        throw new Error('a range of strings cannot be iterated');
    }
    if (start === null || end === null) {
        return feelinRangeMap(range, fn);
    }
    const direction = cmp(start, end) > 0 ? -1 : 1;
    if (!range.reiIteration && direction < 0) {
        return null;
    }
    if (valueType !== 'date') {
        return feelinRangeMap(range, fn);
    }
    const result = [];
    let day = range['start included'] ? start.value : start.value.add({ days: direction });
    const last = end.value;
    while (direction * Temporal.PlainDate.compare(day, last) < 0 || (range['end included'] && Temporal.PlainDate.compare(day, last) === 0)) {
        result.push(fn(new FeelDate(day)));
        day = day.add({ days: direction });
    }
    return result;
}
function reiIterationRange(range) {
    if (range instanceof FeelRange) {
        Object.defineProperty(range, 'reiIteration', { value: true, enumerable: false });
    }
    return range;
}
function feelinRangeMap(range, fn) {`,
    ],
    ['return b ? createRange(a, b) : a;', 'return b ? reiIterationRange(createRange(a, b)) : a;'],
  ],
};

/**
 * Equality and ranges: a range literal with an explicit `null` bound is not
 * the unbounded range of `< x` (`5 in (null..10]` is null, `(< 10) =
 * (null..10)` is false); durations of different kinds are not comparable
 * (`duration("P1Y") = duration("P365D")` is null); a context literal with a
 * duplicate key is an error (null); a unary test that is a boolean expression
 * without `?` (`Complex.aBoolean`) on a boolean input is compared with it.
 */
const EQUALITY = {
  name: 'equality',
  edits: [
    [
      '                const startIncluded = left !== null && startBracket;\n                const endIncluded = right !== null && endBracket;\n                return createRange(left, right, startIncluded, endIncluded);',
      `                const startIncluded = left !== null && startBracket;\n                const endIncluded = right !== null && endBracket;\n                const range = createRange(left, right, startIncluded, endIncluded);\n                ${mark('equality')}\n                if (left === null || right === null) {\n                    Object.defineProperty(range, 'reiNullBound', { value: true, enumerable: false });\n                }\n                return range;`,
    ],
    ['    if (value instanceof FeelRange) {\n        return rangeIncludesRange(range, value);', '    if (range.reiNullBound) {\n        return null;\n    }\n    if (value instanceof FeelRange) {\n        return rangeIncludesRange(range, value);'],
    ["    if (aType === 'range') {\n        return (a['start included'] === b['start included'] &&", "    if (aType === 'range') {\n        return (!a.reiNullBound === !b.reiNullBound &&\n            a['start included'] === b['start included'] &&"],
    ["    if (aType === 'duration') {\n        return durationEquals(a, b);", "    if (aType === 'duration') {\n        if (a.yearsMonths !== b.yearsMonths) {\n            return strict ? false : null;\n        }\n        return durationEquals(a, b);"],
    [
      "                return args[0](context) === context['?'];\n            }\n            return args[0](context);\n        };",
      "                return args[0](context) === context['?'];\n            }\n            const tested = args[0](context);\n            if (typeof tested === 'boolean' && typeof context['?'] === 'boolean' && !node.input.includes('?')) {\n                return tested === context['?'];\n            }\n            return tested;\n        };",
    ],
    ['                    const [key, value] = arg(merged);\n                    merged[key] = value;', '                    const [key, value] = arg(merged);\n                    if (Object.prototype.hasOwnProperty.call(result, key)) {\n                        return null;\n                    }\n                    merged[key] = value;'],
  ],
};

const PATCHES = [DURATION_SCALING, TEMPORAL_ARITHMETIC, YEARS_AND_MONTHS, INTERVALS, BUILTINS, REGEX, TEMPORAL_LITERALS, RANGE_ITERATION, EQUALITY];

/** Occurrences of `find` in `text`. */
function count(text, find) {
  return text.split(find).length - 1;
}

/** `source` with the patch applied, or a reason it cannot be. */
function applyPatch(source, patch) {
  let text = source;
  for (const [find, replace, times = 1] of patch.edits) {
    if (count(text, find) !== times) return { error: `"${find.slice(0, 60)}" trovato ${count(text, find)} volte invece di ${times}` };
    text = text.split(find).join(replace);
  }
  return { text };
}

function main() {
  const require = createRequire(import.meta.url);
  const file = path.join(path.dirname(require.resolve('feelin/package.json')), 'dist', 'index.js');
  let source = fs.readFileSync(file, 'utf8');
  const applied = [];
  for (const patch of PATCHES) {
    if (source.includes(mark(patch.name))) continue;
    const r = applyPatch(source, patch);
    if (r.error) {
      console.warn(`feelin: patch "${patch.name}" non applicata, versione diversa da quella attesa (${r.error}; vedi scripts/patch-feelin.mjs)`);
      continue;
    }
    source = r.text;
    applied.push(patch.name);
  }
  if (applied.length === 0) {
    console.log('feelin: patch già applicate');
    return;
  }
  const tmp = `${file}.rei-${process.pid}`;
  fs.writeFileSync(tmp, source);
  fs.renameSync(tmp, file);
  console.log(`feelin: patch applicate (${applied.join(', ')})`);
}

main();
