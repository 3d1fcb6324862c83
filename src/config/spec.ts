// The building blocks of the configuration schema: each key has a type, a default and a
// description; parse() turns a value from a file or the environment into the typed value
// or says, in words, what is allowed.

export type ParseResult<T> = { ok: true; value: T } | { ok: false; allowed: string };

export interface KeySpec<T> {
  readonly type: string;
  readonly default: T;
  /** Shown in the reference instead of the literal default when the default is computed. */
  readonly defaultText?: string;
  readonly description: string;
  /** Keep values of this key out of logs and `txmail config` output. */
  readonly secret?: boolean;
  parse(v: unknown, fromEnv: boolean): ParseResult<T>;
}

const bad = (allowed: string): { ok: false; allowed: string } => ({ ok: false, allowed });

export function str(def: string, description: string, opts: { pattern?: RegExp; defaultText?: string; secret?: boolean } = {}): KeySpec<string> {
  return {
    type: 'string',
    default: def,
    description,
    ...(opts.defaultText !== undefined ? { defaultText: opts.defaultText } : {}),
    ...(opts.secret ? { secret: true } : {}),
    parse: (v) => {
      if (typeof v !== 'string') return bad('a string');
      if (opts.pattern && !opts.pattern.test(v)) return bad(`a string matching ${String(opts.pattern)}`);
      return { ok: true, value: v };
    },
  };
}

export function num(def: number, description: string, opts: { min?: number; max?: number; integer?: boolean } = {}): KeySpec<number> {
  const { min = -Infinity, max = Infinity, integer = false } = opts;
  const range = `${integer ? 'an integer' : 'a number'}${Number.isFinite(min) ? ` >= ${min}` : ''}${Number.isFinite(max) ? ` and <= ${max}` : ''}`;
  return {
    type: integer ? 'integer' : 'number',
    default: def,
    description,
    parse: (v, fromEnv) => {
      const n = fromEnv && typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) return bad(range);
      return { ok: true, value: n };
    },
  };
}

export function int(def: number, description: string, opts: { min?: number; max?: number } = {}): KeySpec<number> {
  return num(def, description, { ...opts, integer: true });
}

export function bool(def: boolean, description: string): KeySpec<boolean> {
  return {
    type: 'boolean',
    default: def,
    description,
    parse: (v, fromEnv) => {
      if (typeof v === 'boolean') return { ok: true, value: v };
      if (fromEnv && (v === 'true' || v === '1')) return { ok: true, value: true };
      if (fromEnv && (v === 'false' || v === '0')) return { ok: true, value: false };
      return bad(fromEnv ? 'true, false, 1 or 0' : 'true or false');
    },
  };
}

export function oneOf<const V extends string>(values: readonly V[], def: V, description: string): KeySpec<V> {
  return {
    type: values.map((v) => `"${v}"`).join(' | '),
    default: def,
    description,
    parse: (v) => ((values as readonly unknown[]).includes(v) ? { ok: true, value: v as V } : bad(`one of ${values.join(', ')}`)),
  };
}

/** A structured value (list or object); from the environment it is given as JSON. */
export function structured<T>(type: string, def: T, description: string, check: (v: unknown) => T | string): KeySpec<T> {
  return {
    type,
    default: def,
    description,
    parse: (v, fromEnv) => {
      let value = v;
      if (fromEnv && typeof v === 'string') {
        try {
          value = JSON.parse(v);
        } catch {
          return bad(`${type}, written as JSON`);
        }
      }
      const r = check(value);
      return typeof r === 'string' ? bad(r) : { ok: true, value: r };
    },
  };
}

export function stringList(def: readonly string[], description: string, item?: { pattern: RegExp; what: string }): KeySpec<readonly string[]> {
  return {
    type: 'list of strings',
    default: def,
    description,
    parse: (v, fromEnv) => {
      const list = fromEnv && typeof v === 'string' ? (v.trim() === '' ? [] : v.split(',').map((x) => x.trim())) : v;
      if (!Array.isArray(list) || !list.every((x) => typeof x === 'string')) return bad('a list of strings (comma-separated in the environment)');
      if (item && !list.every((x: string) => item.pattern.test(x))) return bad(`a list of ${item.what}`);
      return { ok: true, value: list as string[] };
    },
  };
}
