/**
 * DMN "Java" external functions (`function(a, b) external {java: {class: "java.lang.Math",
 * method signature: "max(double, double)"}}`, and the boxed `functionDefinition kind="Java"`),
 * mapped to a fixed table of the static JDK methods below — there is no JVM here. A class or
 * signature outside the table, or an argument that does not fit a parameter type, gives null.
 *
 *   java.lang.Math     abs, max, min (double, float, int, long); pow, atan2 (double, double);
 *                      cos, sin, tan, acos, asin, atan, sqrt, cbrt, exp, log, log10, floor, ceil,
 *                      signum, toRadians, toDegrees, round (double)
 *   java.lang.Integer, Long, Short, Byte    valueOf / parseX (the primitive or java.lang.String)
 *   java.lang.Float, Double                 valueOf / parseX (the primitive or java.lang.String)
 *   java.lang.String   valueOf (char, int, long, double, boolean), format(String, Object...) with %s %d %f %% %n
 */
type JavaFn = (...args: unknown[]) => unknown;

const INTEGRAL: Record<string, [number, number]> = {
  byte: [-128, 127],
  short: [-32768, 32767],
  int: [-(2 ** 31), 2 ** 31 - 1],
  long: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

/** An argument as a Java parameter type, or undefined when it does not fit. */
function argument(value: unknown, type: string): unknown {
  if (type in INTEGRAL) {
    const [min, max] = INTEGRAL[type]!;
    return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max ? value : undefined;
  }
  if (type === 'double' || type === 'float') return typeof value === 'number' ? value : undefined;
  if (type === 'java.lang.String') return typeof value === 'string' ? value : undefined;
  if (type === 'char') return typeof value === 'string' && [...value].length === 1 ? value : undefined;
  if (type === 'boolean') return typeof value === 'boolean' ? value : undefined;
  if (type === 'java.lang.Object' || type === '[Ljava.lang.Object;') return value;
  return undefined;
}

const numeric = (s: string, integral: boolean): number | null => {
  const t = s.trim();
  if (!(integral ? /^[+-]?\d+$/ : /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/).test(t)) return null;
  return Number(t);
};

const METHODS = new Map<string, JavaFn>();
const def = (cls: string, signatures: string[], fn: JavaFn) => {
  for (const s of signatures) METHODS.set(`java.lang.${cls}.${s}`, fn);
};
const n = (f: (...x: number[]) => number): JavaFn => (...args) => f(...(args as number[]));
for (const t of ['double', 'float', 'int', 'long']) {
  def('Math', [`max(${t},${t})`], n(Math.max));
  def('Math', [`min(${t},${t})`], n(Math.min));
  def('Math', [`abs(${t})`], n(Math.abs));
}
def('Math', ['pow(double,double)'], n(Math.pow));
def('Math', ['atan2(double,double)'], n(Math.atan2));
const unary: Record<string, (x: number) => number> = {
  cos: Math.cos, sin: Math.sin, tan: Math.tan, acos: Math.acos, asin: Math.asin, atan: Math.atan, sqrt: Math.sqrt, cbrt: Math.cbrt,
  exp: Math.exp, log: Math.log, log10: Math.log10, floor: Math.floor, ceil: Math.ceil, signum: Math.sign,
  toRadians: (x) => (x * Math.PI) / 180, toDegrees: (x) => (x * 180) / Math.PI, round: Math.round,
};
for (const [name, f] of Object.entries(unary)) def('Math', [`${name}(double)`], n(f));
for (const [cls, prim, parse] of [['Integer', 'int', 'parseInt'], ['Long', 'long', 'parseLong'], ['Short', 'short', 'parseShort'], ['Byte', 'byte', 'parseByte']] as const) {
  def(cls, [`valueOf(${prim})`], (x) => x);
  def(cls, ['valueOf(java.lang.String)', `${parse}(java.lang.String)`], (s) => {
    const v = numeric(s as string, true);
    const [min, max] = INTEGRAL[prim]!;
    return v !== null && v >= min && v <= max ? v : null;
  });
}
for (const [cls, prim, parse] of [['Float', 'float', 'parseFloat'], ['Double', 'double', 'parseDouble']] as const) {
  def(cls, [`valueOf(${prim})`], (x) => x);
  def(cls, ['valueOf(java.lang.String)', `${parse}(java.lang.String)`], (s) => numeric(s as string, false));
}
def('String', ['valueOf(char)', 'valueOf(int)', 'valueOf(long)', 'valueOf(double)', 'valueOf(boolean)'], (x) => String(x));
def('String', ['format(java.lang.String,[Ljava.lang.Object;)'], (format, ...args) => javaFormat(format as string, args));

/** java.lang.String.format for %s, %d, %f (6 decimals), %%, %n; anything else gives null. */
function javaFormat(format: string, args: unknown[]): string | null {
  let next = 0;
  let failed = false;
  const out = format.replace(/%([sdf%n])/g, (_, c: string) => {
    if (c === '%') return '%';
    if (c === 'n') return '\n';
    const v = args[next++];
    if (c === 'd') return typeof v === 'number' && Number.isInteger(v) ? String(v) : ((failed = true), '');
    if (c === 'f') return typeof v === 'number' ? v.toFixed(6) : ((failed = true), '');
    return v === null || v === undefined ? 'null' : String(v);
  });
  return failed || /%/.test(out.replace(/%%/g, '')) ? null : out;
}

/**
 * The FEEL function for a Java class and method signature (`max(double, double)`), or a function
 * giving null when it is not in the table. Varargs (`[Ljava.lang.Object;` last) take the remaining arguments.
 */
export function javaFunction(cls: unknown, signature: unknown): JavaFn {
  const m = typeof cls === 'string' && typeof signature === 'string' ? /^\s*([\w$]+)\s*\((.*)\)\s*$/.exec(signature) : null;
  if (!m) return () => null;
  const types = m[2]!.split(',').map((t) => t.trim()).filter(Boolean);
  const fn = METHODS.get(`${(cls as string).trim()}.${m[1]}(${types.join(',')})`);
  if (!fn) return () => null;
  const varargs = types[types.length - 1] === '[Ljava.lang.Object;';
  return (...given: unknown[]) => {
    const fixed = varargs ? types.length - 1 : types.length;
    if (varargs ? given.length < fixed : given.length !== fixed) return null;
    const args: unknown[] = [];
    for (let i = 0; i < given.length; i++) {
      const v = argument(given[i], i < fixed ? types[i]! : 'java.lang.Object');
      if (v === undefined) return null;
      args.push(v);
    }
    const result = fn(...args);
    return typeof result === 'number' && !Number.isFinite(result) ? null : result;
  };
}
